package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.ServerHandle;
import dev.portico.api.AutoscalerSettings;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ContainerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The autoscaler end to end, with real containers and real concurrent requests. */
class AutoscalingTest {

    @TempDir
    Path dir;

    private PlatformFixture platform;

    @BeforeEach
    void start() {
        platform = new PlatformFixture(dir.resolve("home"));
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    private long live(String app) {
        return platform.containers(app).stream()
                .filter(c -> c.state() == ContainerState.READY || c.state() == ContainerState.STARTING).count();
    }

    @Test
    void eightConcurrentRequestsWithTargetTwoGiveFourContainersThenBackToMin() {
        platform.deploy("busy", TestJars.build(dir, "busy", Map.of("test.Web", Servers.idServer("Web",
                "unauthenticated = true, targetConcurrency = 2, minContainers = 1, scaledownWindow = 3"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> live("busy") == 1);

        // One thread per request: the common pool has a single worker on two cores.
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Integer>> load = IntStream.range(0, 8)
                    .mapToObj(i -> CompletableFuture.supplyAsync(
                            () -> platform.get("busy", "web", "/slow?10").statusCode(), clients))
                    .toList();
            await().atMost(Duration.ofSeconds(9)).pollInterval(Duration.ofMillis(100)).until(() -> live("busy") == 4);
            assertThat(load.stream().map(CompletableFuture::join)).containsOnly(200);
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> live("busy") == 1);
    }

    @Test
    void updateAutoscalerGivesIdleContainersAndARedeployResetsIt() {
        Path jar = TestJars.build(dir, "tune", Map.of("test.Web", Servers.idServer("Web",
                "unauthenticated = true, scaledownWindow = 2")));
        platform.deploy("tune", jar);
        ServerHandle handle = new ServerHandle(platform.api(), "main", "tune", "web");
        assertThat(handle.getUrl()).startsWith("http://main--tune--web.localhost:");

        AutoscalerSettings settings = handle.updateAutoscaler(AutoscalerUpdate.none().withMinContainers(3));
        assertThat(settings.minContainers()).isEqualTo(3);
        assertThat(settings.scaledownWindow()).as("unchanged settings keep their value").isEqualTo(2);
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.containers("tune").stream()
                .filter(c -> c.state() == ContainerState.READY).count() == 3);
        assertThat(platform.servers("tune")).singleElement().satisfies(s -> {
            assertThat(s.ready()).isEqualTo(3);
            assertThat(s.settings().minContainers()).isEqualTo(3);
        });

        platform.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> live("tune") == 3);

        platform.deploy("tune", jar);
        await().atMost(Duration.ofSeconds(20)).until(() -> live("tune") == 0);
        assertThat(platform.servers("tune")).singleElement().satisfies(s ->
                assertThat(s.settings().minContainers()).isZero());
    }

    @Test
    void outOfRangeSettingsAreRefusedWithTheSettingNamed() {
        platform.deploy("bad", TestJars.build(dir, "bad", Map.of("test.Web", Servers.idServer("Web",
                "unauthenticated = true"))));
        ServerHandle handle = new ServerHandle(platform.api(), "main", "bad", "web");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        handle.updateAutoscaler(AutoscalerUpdate.none().withMinContainers(5).withMaxContainers(2)))
                .hasMessageContaining("maxContainers must be at least minContainers (5)");
    }
}
