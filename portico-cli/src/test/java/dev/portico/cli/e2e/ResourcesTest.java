package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.ContainerInfo;
import dev.portico.api.ContainerState;
import dev.portico.client.PorticoException;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.local.Isolation;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What shapes a container, end to end: memory limits, secrets, volumes, regions, GPUs. */
class ResourcesTest {

    @TempDir
    Path dir;

    private PlatformFixture platform;

    @BeforeEach
    void start() {
        platform = new PlatformFixture(dir.resolve("home"), Isolation.AUTO,
                List.of(new Gpu("0", "H100"), new Gpu("1", "H100")));
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    private static String server(String className, String attributes, String enterBody) {
        return """
                package test;
                import dev.portico.Enter;
                import dev.portico.Server;
                @Server(%s)
                public class %s {
                    @Enter
                    void start() throws Exception {
                        %s
                    }
                }
                """.formatted(attributes, className, enterBody);
    }

    private List<ContainerInfo> live(String app) {
        return platform.containers(app).stream().filter(c -> !c.state().isFinal()).toList();
    }

    @Test
    void containerOverItsMemoryLimitFailsWithOutOfMemoryAndIsReplaced() {
        String hog = server("Hog", "unauthenticated = true, memoryLimit = 128",
                "new ProcessBuilder(\"python3\", \"-c\", \"import time; b = bytearray(400 * 1024 * 1024); time.sleep(60)\")"
                        + ".inheritIO().start();");
        platform.deploy("hog", TestJars.build(dir, "hog", Map.of("test.Hog", hog)));
        assertThat(platform.get("hog", "hog", "/").statusCode()).isEqualTo(503);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(platform.containers("hog"))
                .filteredOn(c -> c.state() == ContainerState.FAILED)
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(c -> assertThat(c.reason()).isEqualTo("out of memory")));
    }

    @Test
    void secretValueReachesTheProcessAndNothingElse() throws IOException {
        String value = "s3cr3t-" + System.nanoTime();
        platform.api().postJson("/v1/secrets", Map.of("name", "db"), Map.of("values", Map.of("DB_PASSWORD", value)),
                new TypeReference<Map<String, String>>() {});
        platform.deploy("sec", TestJars.build(dir, "sec", Map.of("test.Web",
                Servers.idServer("Web", "unauthenticated = true, minContainers = 1, secrets = {\"db\"}"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("sec", "web", "/").statusCode() == 200);

        assertThat(platform.get("sec", "web", "/env?DB_PASSWORD").body()).isEqualTo(value);

        String listings = platform.api().get("/v1/secrets", Map.of(), new TypeReference<Map<String, Object>>() {})
                + platform.containers("sec").toString() + platform.servers("sec").toString();
        assertThat(listings).contains("DB_PASSWORD").doesNotContain(value);
        try (Stream<Path> files = Files.walk(platform.home())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(file.toString()).doesNotContain(value);
            }
        }
        assertThatThrownBy(() -> platform.deploy("nosec", TestJars.build(dir, "nosec", Map.of("test.Web",
                Servers.idServer("Web", "unauthenticated = true, secrets = {\"missing\"}")))))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("secret 'missing' does not exist");
    }

    @Test
    void volumeIsSharedByContainersAndSurvivesARedeploy() {
        platform.api().post("/v1/volumes", Map.of("name", "shared"), new TypeReference<Map<String, String>>() {});
        String writer = server("Files", "unauthenticated = true, minContainers = 2, volumes = {\"shared:/srv/shared\"}",
                """
                String id = System.getenv("PORTICO_CONTAINER_ID");
                java.nio.file.Path dir = java.nio.file.Path.of(System.getenv().getOrDefault(
                        "PORTICO_VOLUME_SRV_SHARED", "/srv/shared"));
                java.nio.file.Files.writeString(dir.resolve(id), id);
                new ProcessBuilder("python3", "-m", "http.server", "-d", dir.toString(), System.getenv("PORT"))
                        .inheritIO().start();
                """);
        platform.deploy("files", TestJars.build(dir, "files1", Map.of("test.Files", writer)));
        await().atMost(Duration.ofSeconds(20)).until(() -> live("files").stream()
                .filter(c -> c.state() == ContainerState.READY).count() == 2);
        List<String> ids = live("files").stream().map(ContainerInfo::id).toList();
        for (int i = 0; i < 6; i++) {
            String listing = platform.get("files", "files", "/").body();
            assertThat(listing).contains(ids.get(0)).contains(ids.get(1));
        }

        platform.deploy("files", TestJars.build(dir, "files2", Map.of("test.Files", writer)));
        String listing = platform.get("files", "files", "/").body();
        assertThat(listing).contains(ids.get(0)).contains(ids.get(1));
    }

    @Test
    void routingRegionIsServedOnlyByItsProxy() {
        platform.deploy("eu", TestJars.build(dir, "eu", Map.of("test.Web",
                Servers.idServer("Web", "unauthenticated = true, minContainers = 1, routingRegion = \"eu-west\""))));
        assertThat(platform.servers("eu")).singleElement().satisfies(s -> assertThat(s.url()).endsWith(
                ":" + platform.platform().proxyAddress("eu-west").getPort()));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                platform.getVia("main--eu--web.localhost", "eu-west", "/").statusCode() == 200);
        assertThat(platform.getVia("main--eu--web.localhost", "us-east", "/").statusCode()).isEqualTo(421);
    }

    @Test
    void threeGpuContainersOnTwoGpusTheThirdWaitsWithItsReason() {
        platform.deploy("gpu", TestJars.build(dir, "gpu", Map.of("test.Web",
                Servers.idServer("Web", "unauthenticated = true, minContainers = 3, gpu = \"H100\""))));
        await().atMost(Duration.ofSeconds(20)).until(() -> live("gpu").stream()
                .filter(c -> c.state() == ContainerState.READY).count() == 2);
        assertThat(live("gpu")).filteredOn(c -> c.state() == ContainerState.STARTING).singleElement()
                .satisfies(c -> assertThat(c.reason()).isEqualTo("pending: waiting for a free H100 GPU: 2 of 2 in use"));
        assertThat(java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> platform.get("gpu", "web", "/env?CUDA_VISIBLE_DEVICES").body()).distinct())
                .containsExactlyInAnyOrder("0", "1");
    }

    @Test
    void serverWhoseComputeRegionHasNoNodeStaysPending() {
        platform.deploy("far", TestJars.build(dir, "far", Map.of("test.Web",
                Servers.idServer("Web", "unauthenticated = true, minContainers = 1, computeRegion = \"mars\""))));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(live("far")).singleElement()
                .satisfies(c -> assertThat(c.reason()).startsWith("pending: no node in compute region mars")));
    }
}
