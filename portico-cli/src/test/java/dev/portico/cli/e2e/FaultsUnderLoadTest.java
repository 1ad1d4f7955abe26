package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.ServerHandle;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ContainerInfo;
import dev.portico.api.ContainerState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under a steady client load (DESIGN.md §4, §6), counting every response: what fails is only
 * what the contract allows to fail, the platform recovers by itself, and the figures (requests
 * sent, failed, time to recovery) are printed for the record.
 */
class FaultsUnderLoadTest {

    private static final String HOST = "main--faults--web.localhost";
    private static final Duration RECOVERY = Duration.ofSeconds(30);

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

    private Path jar(String attributes) {
        return TestJars.build(dir, "faults", Map.of("test.Web", Servers.idServer("Web",
                "unauthenticated = true, " + attributes)));
    }

    private SteadyLoad load(String path) {
        return new SteadyLoad(4, () -> platform.platform().proxyAddress("us-east").getPort(), HOST, path);
    }

    private List<ContainerInfo> ready() {
        return platform.containers("faults").stream().filter(c -> c.state() == ContainerState.READY).toList();
    }

    private Optional<ContainerInfo> container(String id) {
        return platform.containers("faults").stream().filter(c -> c.id().equals(id)).findFirst();
    }

    private static void report(String fault, SteadyLoad load, long recoveryMillis) {
        System.out.printf("fault=%s %s, recovered in %d ms%n", fault, load.summary(), recoveryMillis);
    }

    @Test
    void aKilledContainerFailsOnlyTheRequestsInFlightOnItAndIsReplaced() throws Exception {
        platform.deploy("faults", jar("minContainers = 3"));
        await().atMost(RECOVERY).until(() -> ready().size() == 3);

        try (SteadyLoad load = load("/slow?0.05")) {
            load.awaitSuccesses(50, RECOVERY);
            ContainerInfo victim = ready().getFirst();
            long pid = ContainerProcesses.serverPid(victim.id());
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            // Taken once the signal has landed, not before `kill` starts: starting that process takes
            // milliseconds, and a request sent meanwhile is still in flight when the server dies.
            long killed = System.nanoTime();

            await().atMost(RECOVERY).pollInterval(Duration.ofMillis(20)).until(() ->
                    container(victim.id()).orElseThrow().state() == ContainerState.FAILED && ready().size() == 3);
            long recovered = System.nanoTime();
            load.awaitSuccesses(50, RECOVERY);
            load.close();

            report("container-sigkill", load, (recovered - killed) / 1_000_000);
            String reason = container(victim.id()).orElseThrow().reason();
            assertThat(reason).isNotBlank();
            assertThat(platform.containers("faults").getFirst()).as("the replacement, newest first").satisfies(c -> {
                assertThat(c.restarts()).isEqualTo(1);
                assertThat(c.lastFailure()).isEqualTo(reason);
            });
            assertThat(load.failures()).as("only requests in flight at the kill fail, with 502").allSatisfy(f -> {
                assertThat(f.status()).as(f.describe()).isEqualTo(502);
                assertThat(f.startNanos()).isLessThan(killed);
            });
            assertThat(load.failures().size()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void aRollingRedeployAndAScaleDownFromFourToOneFailNothing() throws Exception {
        Path jar = jar("minContainers = 4");
        platform.deploy("faults", jar);
        await().atMost(RECOVERY).until(() -> ready().size() == 4);

        try (SteadyLoad load = load("/slow?0.02")) {
            load.awaitSuccesses(50, RECOVERY);
            long deployStart = System.nanoTime();
            assertThat(platform.deploy("faults", jar).version()).isEqualTo(2);
            await().atMost(RECOVERY).until(() -> platform.containers("faults").stream()
                    .noneMatch(c -> c.version() == 1 && !c.state().isFinal()));
            long redeployed = System.nanoTime();
            load.awaitSuccesses(50, RECOVERY);

            long scaleStart = System.nanoTime();
            new ServerHandle(platform.api(), "main", "faults", "web").updateAutoscaler(
                    AutoscalerUpdate.none().withMinContainers(1).withScaledownWindow(1));
            await().atMost(RECOVERY).until(() -> platform.containers("faults").stream()
                    .filter(c -> !c.state().isFinal()).count() == 1);
            long scaledDown = System.nanoTime();
            load.awaitSuccesses(50, RECOVERY);
            load.close();

            report("rolling-redeploy+scale-down-4-to-1", load, (redeployed - deployStart) / 1_000_000);
            System.out.printf("scale-down 4 -> 1 took %d ms%n", (scaledDown - scaleStart) / 1_000_000);
            assertThat(load.failures()).as(load.summary()).isEmpty();
        }
    }

    @Test
    void aContainerThatStopsAcceptingLeavesRoutingAfterOneFailedCheckAndIsReplaced() throws Exception {
        platform.deploy("faults", jar("minContainers = 2"));
        await().atMost(RECOVERY).until(() -> ready().size() == 2);

        try (SteadyLoad load = load("/")) {
            load.awaitSuccesses(50, RECOVERY);
            ContainerInfo victim = ready().getFirst();
            HttpResponse<String> stopped = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + victim.address() + "/stop-accepting")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stopped.statusCode()).isEqualTo(200);
            long stoppedAt = System.nanoTime();

            await().atMost(RECOVERY).pollInterval(Duration.ofMillis(20)).until(() ->
                    container(victim.id()).orElseThrow().state() == ContainerState.FAILED && ready().size() == 2);
            long recovered = System.nanoTime();
            load.awaitSuccesses(50, RECOVERY);
            load.close();

            report("container-stops-accepting", load, (recovered - stoppedAt) / 1_000_000);
            assertThat(container(victim.id()).orElseThrow().reason()).contains("health check failed");
            // One health check (every second, 0.5 s timeout) takes it out of routing.
            long outOfRouting = stoppedAt + Duration.ofMillis(1_700).toNanos();
            assertThat(load.outcomes()).filteredOn(o -> o.startNanos() > outOfRouting)
                    .noneMatch(o -> o.body().startsWith(victim.id()));
            assertThat(load.failures()).as(load.summary()).isEmpty();
        }
    }

    @Test
    void aFullDiskFailsTheDeployClearlyAndWhatServesKeepsServing() throws Exception {
        platform.close();
        try (TmpfsMount disk = TmpfsMount.mount(dir.resolve("small-disk"), 256);
             AutoCloseable stopFirst = () -> platform.close()) {
            platform = new PlatformFixture(disk.path().resolve("home"));
            Path jar = jar("minContainers = 2");
            platform.deploy("faults", jar);
            await().atMost(RECOVERY).until(() -> ready().size() == 2);

            try (SteadyLoad load = load("/")) {
                load.awaitSuccesses(50, RECOVERY);
                Path filler = disk.fill();
                long failedAt = System.nanoTime();
                assertThatThrownBy(() -> platform.deploy("faults", jar)).hasMessageContaining("No space left on device");
                load.awaitSuccesses(100, RECOVERY);

                Files.delete(filler);
                assertThat(platform.deploy("faults", jar).version()).isEqualTo(2);
                long recovered = System.nanoTime();
                load.awaitSuccesses(50, RECOVERY);
                load.close();

                report("disk-full-deploy", load, (recovered - failedAt) / 1_000_000);
                assertThat(load.failures()).as(load.summary()).isEmpty();
            }
        }
    }
}
