package dev.portico.cli.e2e;

import dev.portico.client.PorticoException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.api.ContainerInfo;
import dev.portico.api.ContainerState;
import dev.portico.api.DeployResult;
import dev.portico.client.PorticoException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation, end to end: real platform, real containers, real requests through the proxy.
 * Each test deploys servers written for it (not the bundled example).
 */
class FoundationTest {

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

    private Path jar(String name, String attributes) {
        return TestJars.build(dir, name, Map.of("test.Web", Servers.idServer("Web", attributes)));
    }

    @Test
    void firstRequestGets503AndStartsAContainerThenRequestsSucceed() {
        DeployResult result = platform.deploy("shop", jar("shop", "unauthenticated = true"));

        assertThat(result.version()).isEqualTo(1);
        assertThat(result.servers()).singleElement().satisfies(s ->
                assertThat(s.url()).startsWith("http://main--shop--web.localhost:"));
        assertThat(platform.get("shop", "web", "/").statusCode()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                platform.get("shop", "web", "/").statusCode() == 200);
        assertThat(platform.get("shop", "web", "/").body()).startsWith("ct-");
    }

    @Test
    void minContainersSpreadsRequestsOverTwoContainers() {
        platform.deploy("pool", jar("pool", "unauthenticated = true, minContainers = 2"));

        await().atMost(Duration.ofSeconds(20)).until(() ->
                platform.containers("pool").stream().filter(c -> c.state() == ContainerState.READY).count() == 2);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(platform.get("pool", "web", "/").body());
        }
        assertThat(seen).hasSize(2);
    }

    @Test
    void serverThatNeverListensFailsAfterStartupTimeoutWithReason() {
        String source = """
                package test;
                import dev.portico.Enter;
                import dev.portico.Server;
                @Server(unauthenticated = true, startupTimeout = 2)
                public class Mute {
                    @Enter
                    void start() {
                    }
                }
                """;
        platform.deploy("mute", TestJars.build(dir, "mute", Map.of("test.Mute", source)));

        assertThat(platform.get("mute", "mute", "/").statusCode()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(platform.containers("mute")).anySatisfy(c -> {
                    assertThat(c.state()).isEqualTo(ContainerState.FAILED);
                    assertThat(c.reason()).contains("startup timeout of 2 s");
                }));
    }

    @Test
    void killedServerProcessGetsItsContainerReplaced() throws Exception {
        platform.deploy("crash", jar("crash", "unauthenticated = true, minContainers = 1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("crash", "web", "/").statusCode() == 200);
        String first = platform.get("crash", "web", "/").body();

        killPythonOf(first);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = platform.get("crash", "web", "/");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isNotEqualTo(first);
        });
        assertThat(platform.containers("crash")).anySatisfy(c -> {
            assertThat(c.id()).isEqualTo(first);
            assertThat(c.state()).isEqualTo(ContainerState.FAILED);
            assertThat(c.reason()).isNotBlank();
        });
    }

    @Test
    void slowRequestFinishesWithinGracePeriodDuringRedeployAndExitHookRuns() throws Exception {
        Path v1 = jar("grace1", "unauthenticated = true, minContainers = 1, exitGracePeriod = 10");
        platform.deploy("grace", v1);
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("grace", "web", "/").statusCode() == 200);
        String old = platform.get("grace", "web", "/").body();

        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() ->
                platform.get("grace", "web", "/slow?3"));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                platform.containers("grace").stream().anyMatch(c -> c.inFlight() == 1));
        platform.deploy("grace", jar("grace2", "unauthenticated = true, minContainers = 1, exitGracePeriod = 10, "
                + "env = {\"GREETING=v2\"}"));

        HttpResponse<String> response = slow.get();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(old);
        assertThat(platform.get("grace", "web", "/").body()).endsWith("v2");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(logs("grace")).contains("exit hook ran in " + old));
    }

    @Test
    void rollingRedeployUnderLoadAnswersNo5xx() throws Exception {
        platform.deploy("roll", jar("roll1", "unauthenticated = true, minContainers = 2"));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                platform.containers("roll").stream().filter(c -> c.state() == ContainerState.READY).count() == 2);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<Integer> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (running.get() && System.nanoTime() < deadline) {
                int status = platform.get("roll", "web", "/").statusCode();
                if (status == 200) {
                    ok.incrementAndGet();
                } else {
                    failures.add(status);
                }
            }
        });
        platform.deploy("roll", jar("roll2", "unauthenticated = true, minContainers = 2, env = {\"GREETING=v2\"}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> platform.get("roll", "web", "/").body().endsWith("v2"));
        Thread.sleep(500);
        running.set(false);
        client.get();

        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(10);
    }

    @Test
    void versionThatCannotBecomeReadyLeavesThePreviousOneServing() {
        platform.deploy("safe", jar("safe1", "unauthenticated = true, minContainers = 1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("safe", "web", "/").statusCode() == 200);
        String mute = """
                package test;
                import dev.portico.Enter;
                import dev.portico.Server;
                @Server(name = "web", unauthenticated = true, minContainers = 1, startupTimeout = 2)
                public class Mute {
                    @Enter
                    void start() {
                    }
                }
                """;

        assertThatThrownBy(() -> platform.deploy("safe", TestJars.build(dir, "safe2", Map.of("test.Mute", mute))))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("version 2 of safe failed")
                .hasMessageContaining("startup timeout of 2 s")
                .hasMessageContaining("version 1 keeps serving");
        assertThat(platform.get("safe", "web", "/").statusCode()).isEqualTo(200);
        assertThat(platform.api().get("/v1/apps", Map.of(),
                new com.fasterxml.jackson.core.type.TypeReference<List<dev.portico.api.AppInfo>>() {}))
                .singleElement().satisfies(app -> {
                    assertThat(app.activeVersion()).isEqualTo(1);
                    assertThat(app.versions().get(1).status()).isEqualTo("FAILED");
                    assertThat(app.versions().get(1).reason()).contains("startup timeout");
                });
    }

    @Test
    void restartKeepsAppsAndVersionsAndLeavesNoProcessOfThePreviousRun() {
        platform.deploy("keep", jar("keep1", "unauthenticated = true, minContainers = 1"));
        platform.deploy("keep", jar("keep2", "unauthenticated = true, minContainers = 1, env = {\"GREETING=v2\"}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("keep", "web", "/").body().endsWith("v2"));
        String before = platform.get("keep", "web", "/").body();
        Set<Long> oldProcesses = descendants();
        List<String> serving = platform.containers("keep").stream()
                .filter(c -> c.state() == ContainerState.READY).map(ContainerInfo::id).toList();

        platform.restart();

        // Their stop was stored before the store closed.
        assertThat(platform.containers("keep")).filteredOn(c -> serving.contains(c.id()))
                .hasSize(serving.size())
                .allSatisfy(c -> {
                    assertThat(c.state()).isEqualTo(ContainerState.STOPPED);
                    assertThat(c.reason()).isEqualTo("platform shutting down");
                });

        // Within moments: a container drained by the second deploy may still be reaping its last
        // processes when close() returns (seen once in a clean clone's CI run: 2 of 5 still listed).
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(descendants()).doesNotContainAnyElementsOf(oldProcesses));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("keep", "web", "/").statusCode() == 200);
        HttpResponse<String> after = platform.get("keep", "web", "/");
        assertThat(after.body()).endsWith("v2").isNotEqualTo(before);
        assertThat(platform.api().get("/v1/apps", Map.of(),
                new com.fasterxml.jackson.core.type.TypeReference<List<dev.portico.api.AppInfo>>() {}))
                .singleElement().satisfies(app -> {
                    assertThat(app.activeVersion()).isEqualTo(2);
                    assertThat(app.versions()).hasSize(2);
                });
    }

    @Test
    void badDeploysAreRefusedWithClearErrorsAndNothingIsRecorded() {
        Path plain = TestJars.build(dir, "plain", Map.of("test.Plain", "package test; public class Plain {}"));
        assertThatThrownBy(() -> platform.deploy("plain", plain))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("no class annotated with @dev.portico.Server");

        assertThatThrownBy(() -> platform.deploy("zero", jar("zero", "port = 0")))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("test.Web: @Server(port = 0): port must be in 1..65535");

        assertThatThrownBy(() -> platform.deploy("img", jar("img", "image = \"python:3.12\"")))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("container images are not supported by the local runtime");

        assertThatThrownBy(() -> platform.deploy("bad--name", jar("dash", "unauthenticated = true")))
                .isInstanceOf(PorticoException.class)
                .hasMessageContaining("must not contain '--'");

        assertThat(platform.api().get("/v1/apps", Map.of(),
                new com.fasterxml.jackson.core.type.TypeReference<List<dev.portico.api.AppInfo>>() {})).isEmpty();
    }

    private String logs(String app) throws Exception {
        try (var in = platform.api().stream("/v1/logs", Map.of("env", "main", "app", app, "server", "web"))) {
            return new String(in.readAllBytes());
        }
    }

    /** Kills the Python server process of a container, by the id in its environment. */
    private static void killPythonOf(String containerId) throws Exception {
        for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
            if (process.info().command().orElse("").contains("python3")) {
                Path environ = Path.of("/proc", Long.toString(process.pid()), "environ");
                if (Files.isReadable(environ)
                        && new String(Files.readAllBytes(environ)).contains("PORTICO_CONTAINER_ID=" + containerId)) {
                    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
                    return;
                }
            }
        }
        throw new AssertionError("no python process of container " + containerId);
    }

    private static Set<Long> descendants() {
        Set<Long> pids = new HashSet<>();
        ProcessHandle.current().descendants().forEach(p -> pids.add(p.pid()));
        return pids;
    }
}
