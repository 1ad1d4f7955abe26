package dev.portico.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ErrorBody;
import dev.portico.control.ControlPlane;
import dev.portico.control.NotFoundException;
import dev.portico.control.deploy.DeployException;
import dev.portico.control.deploy.Deployer;
import dev.portico.control.store.StoreException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * {@code env} defaults to {@code main}. Errors answer {@code {"error": "..."}} with a message that
 * names what was wrong: 400 for bad input, 401 without the credential, 404 for an unknown app or
 * path, 405 for a wrong method, 413 for an oversized body (JSON 1 MiB, a jar 1 GiB), 422 for a deploy
 * that failed, 503 when the store cannot be written.
 *
 * <p>Input is checked before any work, in this order: path, method, query, body. The query must hold
 * only the endpoint's parameters, each once ({@link Query}); names follow {@link dev.portico.api.Names};
 * JSON bodies are read strictly ({@link JsonBodies}) and within limits ({@link RequestBodies}). A 500
 * means a bug: some input got past these checks and broke something behind them.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final long MAX_ARTIFACT_BYTES = 1L << 30;
    /** How much of a body sent where none is read the API reads past to deliver its answer. */
    private static final long MAX_UNREAD_BYTES = 4L << 20;

    private final HttpServer server;
    private final ObjectMapper json;
    private final JsonBodies bodies;
    private final byte[] adminToken;
    private final ControlPlane control;
    private final Path uploads;
    private final PrometheusMeterRegistry metrics;

    private ApiServer(HttpServer server, ObjectMapper json, String adminToken, ControlPlane control, Path uploads,
                      PrometheusMeterRegistry metrics) {
        this.server = server;
        this.json = json;
        this.bodies = new JsonBodies(json);
        this.adminToken = ("Bearer " + adminToken).getBytes(StandardCharsets.UTF_8);
        this.control = control;
        this.uploads = uploads;
        this.metrics = metrics;
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
            RequestBodies.track(exchange);
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
            error(exchange, 400, message(e));
        } catch (NotFoundException e) {
            error(exchange, 404, message(e));
        } catch (DeployException e) {
            error(exchange, 422, message(e));
        } catch (StoreException e) {
            log.error("store failure", e);
            error(exchange, 503, message(e));
        } catch (UncheckedIOException e) {
            log.error("I/O failure", e);
            error(exchange, 503, message(e));
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
        switch (path) {
            case "/v1/deploy" -> {
                method(exchange, "POST");
                deploy(exchange, query(exchange, "env", "app", "strategy"));
            }
            case "/v1/apps" -> {
                method(exchange, "GET");
                query(exchange);
                respond(exchange, 200, control.catalog().apps());
            }
            case "/v1/apps/stop" -> {
                method(exchange, "POST");
                Query query = query(exchange, "env", "app");
                respond(exchange, 200, control.stopApp(query.environment(), query.name("app", "app name")));
            }
            case "/v1/servers" -> {
                method(exchange, "GET");
                Query query = query(exchange, "env", "app");
                respond(exchange, 200, control.catalog().servers(query.environment(),
                        query.optionalName("app", "app name")));
            }
            case "/v1/servers/autoscaler" -> {
                method(exchange, "POST");
                Query query = query(exchange, "env", "app", "server");
                String environment = query.environment();
                String app = query.name("app", "app name");
                String server = query.name("server", "server name");
                AutoscalerUpdate update = bodies.read(exchange, AutoscalerUpdate.class);
                respond(exchange, 200, control.updateAutoscaler(environment, app, server, update));
            }
            case "/v1/containers" -> {
                method(exchange, "GET");
                Query query = query(exchange, "env", "app", "server", "all");
                respond(exchange, 200, control.catalog().containers(query.environment(),
                        query.optionalName("app", "app name"), query.optionalName("server", "server name"),
                        query.flag("all")));
            }
            case "/v1/logs" -> {
                method(exchange, "GET");
                logs(exchange, query(exchange, "env", "app", "server", "follow"));
            }
            case "/v1/environments" -> {
                if (method(exchange, "GET", "POST").equals("POST")) {
                    String name = query(exchange, "name").name("name", "environment");
                    respond(exchange, 200, Map.of("name", control.createEnvironment(name)));
                } else {
                    query(exchange);
                    respond(exchange, 200, control.environments());
                }
            }
            case "/v1/tokens" -> {
                String method = method(exchange, "GET", "POST");
                query(exchange);
                if (method.equals("POST")) {
                    TokenRequest request = bodies.read(exchange, TokenRequest.class);
                    respond(exchange, 200, control.tokens().create(
                            request.environments() == null ? List.of() : request.environments()));
                } else {
                    respond(exchange, 200, control.tokens().list());
                }
            }
            case "/v1/tokens/revoke" -> {
                method(exchange, "POST");
                String key = query(exchange, "key").required("key");
                control.tokens().revoke(key);
                respond(exchange, 200, Map.of("revoked", key));
            }
            case "/v1/rbac" -> {
                if (method(exchange, "GET", "POST").equals("POST")) {
                    control.tokens().setRbac(query(exchange, "enabled").requiredFlag("enabled"));
                } else {
                    query(exchange);
                }
                respond(exchange, 200, Map.of("enabled", control.tokens().rbacEnabled()));
            }
            case "/v1/secrets" -> {
                if (method(exchange, "GET", "POST").equals("POST")) {
                    String name = query(exchange, "name").name("name", "secret name");
                    control.secrets().put(name, secretValues(bodies.read(exchange, SecretRequest.class)));
                    respond(exchange, 200, Map.of("name", name));
                } else {
                    query(exchange);
                    respond(exchange, 200, control.secrets().list());
                }
            }
            case "/v1/secrets/delete" -> {
                method(exchange, "POST");
                String name = query(exchange, "name").name("name", "secret name");
                control.secrets().delete(name);
                respond(exchange, 200, Map.of("deleted", name));
            }
            case "/v1/volumes" -> {
                if (method(exchange, "GET", "POST").equals("POST")) {
                    String name = query(exchange, "name").name("name", "volume name");
                    control.volumes().create(name);
                    respond(exchange, 200, Map.of("name", name));
                } else {
                    query(exchange);
                    respond(exchange, 200, control.volumes().list());
                }
            }
            case "/v1/volumes/delete" -> {
                method(exchange, "POST");
                String name = query(exchange, "name").name("name", "volume name");
                control.deleteVolume(name);
                respond(exchange, 200, Map.of("deleted", name));
            }
            default -> throw new ApiException(404, "no such API path: " + Quote.of(path));
        }
    }

    /** Prometheus text format; open to any local client, like any scrape target: it holds no secrets. */
    private void scrape(HttpExchange exchange) throws IOException {
        method(exchange, "GET");
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        sendHeaders(exchange, 200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.write(body);
        finish(exchange, out);
    }

    /** Streams logs; everything that can be refused is checked before the 200 goes out. */
    private void logs(HttpExchange exchange, Query query) throws IOException {
        String environment = query.environment();
        String app = query.name("app", "app name");
        String server = query.name("server", "server name");
        boolean follow = query.flag("follow");
        if (control.catalog().app(environment, app).isEmpty()) {
            throw new NotFoundException("no app " + app + " in environment " + environment);
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        sendHeaders(exchange, 200, 0);
        OutputStream out = exchange.getResponseBody();
        control.logs().stream(environment, app, server, follow, out);
        finish(exchange, out);
    }

    /** Checks the names and the strategy before taking the upload, which may be large. */
    private void deploy(HttpExchange exchange, Query query) throws IOException {
        String environment = query.environment();
        String app = query.name("app", "app name");
        Deployer.Strategy strategy = Deployer.Strategy.valueOf(query.choice("strategy", "rolling",
                List.of("rolling", "recreate")).toUpperCase(Locale.ROOT));
        Path upload = createUpload();
        try {
            if (receive(exchange, upload) == 0) {
                throw new ApiException(400, "the request body must be the jar to deploy; it is empty");
            }
            respond(exchange, 200, control.deployer().deploy(environment, app, upload, strategy));
        } finally {
            deleteUpload(upload);
        }
    }

    private Path createUpload() {
        try {
            Files.createDirectories(uploads);
            return Files.createTempFile(uploads, "upload-", ".jar");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store an upload in " + uploads + ": " + e.getMessage(), e);
        }
    }

    private static long receive(HttpExchange exchange, Path upload) {
        try (OutputStream out = Files.newOutputStream(upload)) {
            return RequestBodies.copy(exchange, out, MAX_ARTIFACT_BYTES, "a deploy artifact");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the upload " + upload + ": " + e.getMessage(), e);
        }
    }

    private static void deleteUpload(Path upload) {
        try {
            Files.deleteIfExists(upload);
        } catch (IOException e) {
            log.warn("cannot delete the upload {}: {}", upload, e.toString());
        }
    }

    /** The body of {@code POST /v1/secrets}. */
    private record SecretRequest(Map<String, String> values) {}

    /** The body of {@code POST /v1/tokens}. */
    private record TokenRequest(List<String> environments) {}

    /** The pairs of a secret; a value must fit an environment variable, which cannot hold NUL. */
    private static Map<String, String> secretValues(SecretRequest request) {
        Map<String, String> values = request.values() == null ? Map.of() : request.values();
        values.forEach((key, value) -> {
            if (value.indexOf('\0') >= 0) {
                throw new ApiException(400, "field " + Quote.of("values." + key)
                        + " contains a NUL character, which no environment variable can hold");
            }
        });
        return values;
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && MessageDigest.isEqual(adminToken, header.getBytes(StandardCharsets.UTF_8));
    }

    /** The request's method when it is one of {@code allowed}; a 405 naming them otherwise. */
    private static String method(HttpExchange exchange, String... allowed) {
        String method = exchange.getRequestMethod();
        if (!List.of(allowed).contains(method)) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            throw new ApiException(405, Quote.of(method) + " is not allowed on " + exchange.getRequestURI().getPath()
                    + "; it takes " + String.join(" or ", allowed));
        }
        return method;
    }

    /** The query, refused unless it holds only {@code accepted} parameters, each once. */
    private static Query query(HttpExchange exchange, String... accepted) {
        return Query.parse(exchange.getRequestURI().getRawQuery(),
                exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath(), List.of(accepted));
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    private void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the answer", e);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (exchange.getRequestMethod().equals("HEAD")) {
            // The JDK's server ends a HEAD exchange as it sends the headers: drain first.
            RequestBodies.drain(exchange, drainLimit(exchange));
            sendHeaders(exchange, status, -1);
            return;
        }
        sendHeaders(exchange, status, bytes.length);
        OutputStream out = exchange.getResponseBody();
        out.write(bytes);
        finish(exchange, out);
    }

    /**
     * Ends an answer: flushes it, drains what is left of the request ({@link RequestBodies#drain}),
     * then closes the answer's stream. Left to the exchange's close, the JDK's server would first try
     * to drain the request itself and drop the answer if that failed.
     */
    private static void finish(HttpExchange exchange, OutputStream out) throws IOException {
        out.flush();
        RequestBodies.drain(exchange, drainLimit(exchange));
        out.close();
    }

    /**
     * A refused deploy's jar is read past in full: the CLI sends all of it before it reads the answer,
     * and a deploy refused for its names (checked before the upload) must still reach the user.
     */
    private static long drainLimit(HttpExchange exchange) {
        return exchange.getRequestURI().getPath().equals("/v1/deploy") ? MAX_ARTIFACT_BYTES : MAX_UNREAD_BYTES;
    }

    /**
     * Sends the status and headers. When the request's body was left unread, the answer says that the
     * connection closes after it, as the JDK's server will close it ({@link RequestBodies#unread}).
     */
    private static void sendHeaders(HttpExchange exchange, int status, long length) throws IOException {
        if (RequestBodies.unread(exchange)) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        exchange.sendResponseHeaders(status, length);
    }

    private void error(HttpExchange exchange, int status, String message) {
        try {
            respond(exchange, status, new ErrorBody(message));
        } catch (IOException | IllegalStateException e) {
            log.debug("could not send error {}: {}", status, e.toString());
        }
    }
}
