package dev.portico.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A connection to the control plane's JSON API, used by the CLI and by {@link dev.portico.Portico}.
 * {@link #forHome} finds it as the CLI does: {@code PORTICO_URL} (else the URL recorded in the
 * credentials file, else {@code http://127.0.0.1:7070}) with the admin credential of
 * {@code $PORTICO_HOME/credentials}.
 */
public final class ApiClient {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final URI base;
    private final String token;

    public ApiClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The client for a home. */
    public static ApiClient forHome(Path home) {
        Credentials credentials = Credentials.read(home);
        String url = System.getenv("PORTICO_URL");
        if (url == null || url.isEmpty()) {
            url = credentials.url() != null ? credentials.url() : "http://127.0.0.1:7070";
        }
        return new ApiClient(URI.create(url), credentials.token());
    }

    public ObjectMapper json() {
        return json;
    }

    public <T> T get(String path, Map<String, String> query, TypeReference<T> type) {
        return decode(send(request(path, query).GET()), type);
    }

    public <T> T post(String path, Map<String, String> query, HttpRequest.BodyPublisher body, TypeReference<T> type) {
        return decode(send(request(path, query).POST(body)), type);
    }

    /** A POST without a body, such as {@code /v1/apps/stop}. */
    public <T> T post(String path, Map<String, String> query, TypeReference<T> type) {
        return post(path, query, HttpRequest.BodyPublishers.noBody(), type);
    }

    /** POSTs a value as JSON. */
    public <T> T postJson(String path, Map<String, String> query, Object value, TypeReference<T> type) {
        try {
            return post(path, query, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(value)), type);
        } catch (IOException e) {
            throw new PorticoException("cannot encode " + value + ": " + e.getMessage());
        }
    }

    /** A streamed text answer, such as logs. */
    public InputStream stream(String path, Map<String, String> query) {
        HttpResponse<InputStream> response = call(request(path, query).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                throw new PorticoException(errorMessage(response.statusCode(), body.readAllBytes()));
            } catch (IOException e) {
                throw new PorticoException("API answered " + response.statusCode());
            }
        }
        return response.body();
    }

    private HttpRequest.Builder request(String path, Map<String, String> query) {
        Map<String, String> present = new LinkedHashMap<>();
        query.forEach((k, v) -> {
            if (v != null) {
                present.put(k, v);
            }
        });
        String encoded = present.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        URI uri = base.resolve(path + (encoded.isEmpty() ? "" : "?" + encoded));
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        return call(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> call(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (ConnectException e) {
            throw new PorticoException("cannot reach the control plane at " + base + "; is `portico up` running?");
        } catch (IOException e) {
            throw new PorticoException("talking to the control plane at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PorticoException("interrupted");
        }
    }

    private <T> T decode(HttpResponse<byte[]> response, TypeReference<T> type) {
        if (response.statusCode() / 100 != 2) {
            throw new PorticoException(errorMessage(response.statusCode(), response.body()));
        }
        try {
            return json.readValue(response.body(), type);
        } catch (IOException e) {
            throw new PorticoException("unexpected answer from the control plane: " + e.getMessage());
        }
    }

    private String errorMessage(int status, byte[] body) {
        try {
            return json.readTree(body).path("error").asText("API answered " + status);
        } catch (IOException e) {
            return "API answered " + status;
        }
    }
}
