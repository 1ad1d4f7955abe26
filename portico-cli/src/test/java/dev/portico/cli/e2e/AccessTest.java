package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxy authentication end to end: tokens, RBAC, header stripping, revocation. */
class AccessTest {

    @TempDir
    Path dir;

    private PlatformFixture platform;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        platform = new PlatformFixture(dir.resolve("home"));
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    private Map<String, Object> createToken(List<String> environments) {
        return platform.api().postJson("/v1/tokens", Map.of(), Map.of("environments", environments),
                new TypeReference<>() {});
    }

    private HttpResponse<String> get(String path, String key, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + platform.platform().proxyAddress("us-east").getPort() + path))
                .header("Host", "main--vault--web.localhost");
        if (key != null) {
            request.header("Modal-Key", key).header("Modal-Secret", secret);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tokensRbacAndRevocation() throws Exception {
        platform.deploy("vault", TestJars.build(dir, "vault",
                Map.of("test.Web", Servers.idServer("Web", "minContainers = 1"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.containers("vault").stream()
                .anyMatch(c -> c.state() == dev.portico.api.ContainerState.READY));

        assertThat(get("/", null, null).statusCode()).isEqualTo(401);
        Map<String, Object> token = createToken(List.of());
        String key = (String) token.get("key");
        String secret = (String) token.get("secret");
        assertThat(get("/", key, secret + "x").statusCode()).isEqualTo(401);
        assertThat(get("/", "pk-unknown", secret).statusCode()).isEqualTo(401);

        HttpResponse<String> headers = get("/headers", key, secret);
        assertThat(headers.statusCode()).isEqualTo(200);
        assertThat(headers.body()).doesNotContainIgnoringCase("Modal-Secret").doesNotContainIgnoringCase("Modal-Key")
                .doesNotContain(secret);

        platform.api().post("/v1/environments", Map.of("name", "other"), new TypeReference<Map<String, String>>() {});
        Map<String, Object> scoped = createToken(List.of("other"));
        String scopedKey = (String) scoped.get("key");
        String scopedSecret = (String) scoped.get("secret");
        assertThat(get("/", scopedKey, scopedSecret).statusCode()).as("RBAC off").isEqualTo(200);
        platform.api().post("/v1/rbac", Map.of("enabled", "true"), new TypeReference<Map<String, Boolean>>() {});
        assertThat(get("/", scopedKey, scopedSecret).statusCode()).as("RBAC on, other env").isEqualTo(403);
        assertThat(get("/", key, secret).statusCode()).as("RBAC on, all envs").isEqualTo(200);

        platform.api().post("/v1/tokens/revoke", Map.of("key", key), new TypeReference<Map<String, String>>() {});
        await().atMost(Duration.ofSeconds(1)).until(() -> get("/", key, secret).statusCode() == 401);

        List<Map<String, Object>> listed = platform.api().get("/v1/tokens", Map.of(), new TypeReference<>() {});
        assertThat(listed.toString()).doesNotContain(secret).doesNotContain(scopedSecret);

        String metrics = http.send(HttpRequest.newBuilder(URI.create(platform.platform().credentials().url() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics)
                .contains("portico_proxy_responses_total{server=\"main--vault--web\",status=\"2xx\"}")
                .contains("portico_proxy_request_latency_seconds_bucket{server=\"main--vault--web\"")
                .contains("portico_proxy_in_flight{server=\"main--vault--web\"} 0.0")
                .contains("portico_containers{state=\"ready\"} 1.0")
                .as("denied requests are never counted")
                .contains("portico_proxy_responses_total{server=\"main--vault--web\",status=\"4xx\"} 0.0");
    }
}
