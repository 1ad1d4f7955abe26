package dev.portico.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.portico.api.AutoscalerUpdate;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.portico.api.ErrorBody;
import dev.portico.control.ControlPlane;
import dev.portico.control.NotFoundException;
import dev.portico.control.deploy.DeployException;
import dev.portico.control.deploy.Deployer;
import dev.portico.control.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's JSON API, for the CLI and the SDK. Binds loopback only (containers must not
 * reach it) and requires the admin credential as {@code Authorization: Bearer TOKEN} on every call.
 * Each request runs on its own virtual thread, so handlers are plain blocking code.
 *
 * <pre>
 *  POST /v1/deploy?env=E&amp;app=A&amp;strategy=rolling|recreate   body: the jar     → DeployResult
 *  GET  /v1/apps                                                                 → [AppInfo]
 *  POST /v1/apps/stop?env=E&amp;app=A                                               → AppInfo
 *  GET  /v1/servers?env=E[&amp;app=A]                                               → [ServerInfo]
 *  POST /v1/servers/autoscaler?env=E&amp;app=A&amp;server=S  body: AutoscalerUpdate        → AutoscalerSettings
 *  GET  /v1/containers?env=E[&amp;app=A[&amp;server=S]][&amp;all=true]                     → [ContainerInfo]
 *  GET  /v1/environments | POST /v1/environments?name=E                         → [name] | {name}
 *  GET  /v1/tokens | POST /v1/tokens  body: {"environments": [...]}            → [TokenInfo] | {key, secret, environments}
 *  POST /v1/tokens/revoke?key=K                                                → {revoked}
 *  GET  /v1/rbac | POST /v1/rbac?enabled=true|false                           → {enabled}
 *  GET  /v1/secrets | POST /v1/secrets?name=N body: {"values": {K: V}}         → {name: [keys]} | {name}
 *  POST /v1/secrets/delete?name=N                                              → {deleted}
 *  GET  /v1/volumes | POST /v1/volumes?name=N | POST /v1/volumes/delete?name=N → [name] | {name} | {deleted}
 *  GET  /v1/logs?env=E&amp;app=A&amp;server=S[&amp;follow=true]                            → text, one line per log line
 *
 *  GET  /metrics  (no credential)                                              → Prometheus text
 * </pre>
 *
 * Errors answer {@code {"error": "..."}}: 400 for bad input, 401 without the credential, 404 for an
 * unknown app or path, 405 for a wrong method, 413 for an oversized body, 422 for a deploy that
 * failed, 503 when the store cannot be written.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final long MAX_ARTIFACT_BYTES = 1L << 30;
    private static final int MAX_JSON_BYTES = 1 << 20;

    private final HttpServer server;
    private final ObjectMapper json;
    private final byte[] adminToken;
    private final ControlPlane control;
    private final Path uploads;

    private final PrometheusMeterRegistry metrics;

    private ApiServer(HttpServer server, ObjectMapper json, String adminToken, ControlPlane control, Path uploads,
                      PrometheusMeterRegistry metrics) {
        this.metrics = metrics;
        this.server = server;
        this.json = json;
        this.adminToken = ("Bearer " + adminToken).getBytes(StandardCharsets.UTF_8);
        this.control = control;
        this.uploads = uploads;
    }

    /** Binds and starts serving. */
    public static ApiServer start(InetSocketAddress bind, String adminToken, ControlPlane control, ObjectMapper json,
                                  Path uploads, PrometheusMeterRegistry metrics) throws IOException {
        if (!bind.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the API binds loopback only, not " + bind);
        }
        HttpServer http = HttpServer.create(bind, 64);
        ApiServer api = new ApiServer(http, json, adminToken, control, uploads, metrics);
        http.createContext("/", api::handle);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
        return api;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) {
        // Closed last: an error answer is written in the catch blocks, on the still open exchange.
        try {
            if (exchange.getRequestURI().getPath().equals("/metrics")) {
                scrape(exchange);
                return;
            }
            if (!authorized(exchange)) {
                error(exchange, 401, "missing or wrong admin credential (see $PORTICO_HOME/credentials)");
                return;
            }
            route(exchange);
        } catch (ApiException e) {
            error(exchange, e.status(), e.getMessage());
        } catch (IllegalArgumentException e) {
            error(exchange, 400, e.getMessage());
        } catch (NotFoundException e) {
            error(exchange, 404, e.getMessage());
        } catch (DeployException e) {
            error(exchange, 422, e.getMessage());
        } catch (StoreException e) {
            log.error("store failure", e);
            error(exchange, 503, e.getMessage());
        } catch (UncheckedIOException e) {
            log.error("I/O failure", e);
            error(exchange, 503, e.getMessage());
        } catch (IOException e) {
            log.debug("client went away: {}", e.toString());
        } catch (RuntimeException e) {
            log.error("API failure on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            error(exchange, 500, "internal error: " + e);
        } finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Map<String, String> query = query(exchange);
        switch (path) {
            case "/v1/deploy" -> {
                requireMethod(exchange, "POST");
                deploy(exchange, query);
            }
            case "/v1/apps" -> {
                requireMethod(exchange, "GET");
                respond(exchange, 200, control.catalog().apps());
            }
            case "/v1/apps/stop" -> {
                requireMethod(exchange, "POST");
                respond(exchange, 200, control.stopApp(environment(query), required(query, "app")));
            }
            case "/v1/servers" -> {
                requireMethod(exchange, "GET");
                respond(exchange, 200, control.catalog().servers(environment(query), query.get("app")));
            }
            case "/v1/servers/autoscaler" -> {
                requireMethod(exchange, "POST");
                AutoscalerUpdate update = readJson(exchange, AutoscalerUpdate.class);
                respond(exchange, 200, control.updateAutoscaler(environment(query), required(query, "app"),
                        required(query, "server"), update));
            }
            case "/v1/containers" -> {
                requireMethod(exchange, "GET");
                respond(exchange, 200, control.catalog().containers(environment(query), query.get("app"),
                        query.get("server"), "true".equals(query.get("all"))));
            }
            case "/v1/logs" -> {
                requireMethod(exchange, "GET");
                String app = required(query, "app");
                if (control.catalog().app(environment(query), app).isEmpty()) {
                    throw new NotFoundException("no app " + app + " in environment " + environment(query));
                }
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(200, 0);
                control.logs().stream(environment(query), app, required(query, "server"),
                        "true".equals(query.get("follow")), exchange.getResponseBody());
            }
            case "/v1/environments" -> {
                if (exchange.getRequestMethod().equals("POST")) {
                    respond(exchange, 200, Map.of("name", control.createEnvironment(required(query, "name"))));
                } else {
                    requireMethod(exchange, "GET");
                    respond(exchange, 200, control.environments());
                }
            }
            case "/v1/tokens" -> {
                if (exchange.getRequestMethod().equals("POST")) {
                    TokenRequest request = readJson(exchange, TokenRequest.class);
                    respond(exchange, 200, control.tokens().create(
                            request.environments() == null ? List.of() : request.environments()));
                } else {
                    requireMethod(exchange, "GET");
                    respond(exchange, 200, control.tokens().list());
                }
            }
            case "/v1/tokens/revoke" -> {
                requireMethod(exchange, "POST");
                control.tokens().revoke(required(query, "key"));
                respond(exchange, 200, Map.of("revoked", query.get("key")));
            }
            case "/v1/rbac" -> {
                if (exchange.getRequestMethod().equals("POST")) {
                    String enabled = required(query, "enabled");
                    if (!enabled.equals("true") && !enabled.equals("false")) {
                        throw new ApiException(400, "enabled must be true or false, not " + enabled);
                    }
                    control.tokens().setRbac(enabled.equals("true"));
                } else {
                    requireMethod(exchange, "GET");
                }
                respond(exchange, 200, Map.of("enabled", control.tokens().rbacEnabled()));
            }
            case "/v1/secrets" -> {
                if (exchange.getRequestMethod().equals("POST")) {
                    SecretRequest request = readJson(exchange, SecretRequest.class);
                    String name = required(query, "name");
                    control.secrets().put(name, request.values() == null ? Map.of() : request.values());
                    respond(exchange, 200, Map.of("name", name));
                } else {
                    requireMethod(exchange, "GET");
                    respond(exchange, 200, control.secrets().list());
                }
            }
            case "/v1/secrets/delete" -> {
                requireMethod(exchange, "POST");
                control.secrets().delete(required(query, "name"));
                respond(exchange, 200, Map.of("deleted", query.get("name")));
            }
            case "/v1/volumes" -> {
                if (exchange.getRequestMethod().equals("POST")) {
                    control.volumes().create(required(query, "name"));
                    respond(exchange, 200, Map.of("name", query.get("name")));
                } else {
                    requireMethod(exchange, "GET");
                    respond(exchange, 200, control.volumes().list());
                }
            }
            case "/v1/volumes/delete" -> {
                requireMethod(exchange, "POST");
                control.deleteVolume(required(query, "name"));
                respond(exchange, 200, Map.of("deleted", query.get("name")));
            }
            default -> throw new ApiException(404, "no such API path: " + path);
        }
    }

    /** Prometheus text format; open to any local client, like any scrape target: it holds no secrets. */
    private void scrape(HttpExchange exchange) throws IOException {
        requireMethod(exchange, "GET");
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void deploy(HttpExchange exchange, Map<String, String> query) throws IOException {
        String app = required(query, "app");
        Deployer.Strategy strategy = switch (query.getOrDefault("strategy", "rolling").toLowerCase(Locale.ROOT)) {
            case "rolling" -> Deployer.Strategy.ROLLING;
            case "recreate" -> Deployer.Strategy.RECREATE;
            default -> throw new ApiException(400, "strategy must be rolling or recreate, not " + query.get("strategy"));
        };
        Files.createDirectories(uploads);
        Path upload = Files.createTempFile(uploads, "upload-", ".jar");
        try {
            try (InputStream in = exchange.getRequestBody(); OutputStream out = Files.newOutputStream(upload)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    total += n;
                    if (total > MAX_ARTIFACT_BYTES) {
                        throw new ApiException(413, "artifact larger than " + (MAX_ARTIFACT_BYTES >> 20) + " MiB");
                    }
                    out.write(buffer, 0, n);
                }
            }
            if (Files.size(upload) == 0) {
                throw new ApiException(400, "the request body must be the jar to deploy");
            }
            respond(exchange, 200, control.deployer().deploy(environment(query), app, upload, strategy));
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    /** The body of {@code POST /v1/secrets}. */
    private record SecretRequest(Map<String, String> values) {}

    /** The body of {@code POST /v1/tokens}. */
    private record TokenRequest(List<String> environments) {}

    /** Reads a JSON body of at most {@link #MAX_JSON_BYTES}; malformed or mistyped JSON is a 400. */
    private <T> T readJson(HttpExchange exchange, Class<T> type) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_JSON_BYTES + 1);
        }
        if (body.length > MAX_JSON_BYTES) {
            throw new ApiException(413, "JSON body larger than " + MAX_JSON_BYTES + " bytes");
        }
        try {
            return json.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed " + type.getSimpleName() + " JSON: " + e.getOriginalMessage());
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && MessageDigest.isEqual(adminToken, header.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireMethod(HttpExchange exchange, String method) {
        if (!exchange.getRequestMethod().equals(method)) {
            throw new ApiException(405, exchange.getRequestURI().getPath() + " takes " + method);
        }
    }

    private static String environment(Map<String, String> query) {
        return query.getOrDefault("env", "main");
    }

    private static String required(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            throw new ApiException(400, "query parameter '" + name + "' is required");
        }
        return value;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> query = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(name, value);
        }
        return query;
    }

    private void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the answer", e);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void error(HttpExchange exchange, int status, String message) {
        try {
            respond(exchange, status, new ErrorBody(message));
        } catch (IOException | IllegalStateException e) {
            log.debug("could not send error {}: {}", status, e.toString());
        }
    }
}
