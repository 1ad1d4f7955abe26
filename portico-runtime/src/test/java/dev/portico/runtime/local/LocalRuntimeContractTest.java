package dev.portico.runtime.local;

import static dev.portico.runtime.local.TestProcesses.listenerThatOnSigterm;
import static dev.portico.runtime.local.TestProcesses.running;
import static dev.portico.runtime.local.TestProcesses.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portico.runtime.ContainerExit;
import dev.portico.runtime.ContainerExitedException;
import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.Resources;
import dev.portico.runtime.RunningContainer;
import dev.portico.runtime.StartupTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What both isolation modes of the local runtime must do, with real processes and sockets. */
abstract class LocalRuntimeContractTest {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path stateDir;

    @TempDir
    Path otherStateDir;

    LocalRuntime runtime;
    private final List<LocalRuntime> otherRuntimes = new ArrayList<>();

    abstract Isolation isolation();

    /** Where a test server binds: every interface in a namespace, loopback otherwise. */
    abstract String bindAddress();

    @BeforeEach
    void createRuntime() {
        runtime = newRuntime(stateDir);
        assertThat(runtime.isolation()).isEqualTo(isolation());
    }

    @AfterEach
    void closeRuntimes() {
        otherRuntimes.forEach(LocalRuntime::close);
        runtime.close();
        // Nothing of the containers' cgroups is left, in any hierarchy.
        assertThat(CgroupTesting.instanceDirs(stateDir)).allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertThat(CgroupTesting.instanceDirs(otherStateDir)).allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertNothingLeftOfClosedRuntime(stateDir);
        assertNothingLeftOfClosedRuntime(otherStateDir);
    }

    /** Isolation-specific checks that closed runtimes with this state directory left nothing behind. */
    void assertNothingLeftOfClosedRuntime(Path dir) {}

    /** The network pool size of the runtimes the tests create (namespace isolation only). */
    int networkPool() {
        return LocalRuntimeConfig.DEFAULT_NETWORK_POOL;
    }

    LocalRuntime newRuntime(Path dir) {
        return newRuntime(dir, networkPool());
    }

    LocalRuntime newRuntime(Path dir, int networkPool) {
        LocalRuntime created = LocalRuntime.create(
                new LocalRuntimeConfig(dir, isolation(), LocalRuntimeConfig.DEFAULT_ADDRESS_POOL).withNetworkPool(networkPool));
        if (runtime != null) {
            otherRuntimes.add(created);
        }
        return created;
    }

    ContainerLaunch launch(String id, List<String> command) {
        return new ContainerLaunch(id, command, Map.of("GREETING", "hi"), 8000, stateDir.resolve("logs/" + id + ".log"));
    }

    Path logOf(String id) {
        return stateDir.resolve("logs/" + id + ".log");
    }

    @Test
    void serversAnswerHttpAtTheirOwnAddresses() throws Exception {
        RunningContainer first = runtime.launch(launch("web-1", TestProcesses.httpServer(bindAddress())));
        RunningContainer second = runtime.launch(launch("web-2", TestProcesses.httpServer(bindAddress())));
        first.whenListening(READY_TIMEOUT).get();
        second.whenListening(READY_TIMEOUT).get();

        assertThat(first.address()).isNotEqualTo(second.address());
        try (HttpClient client = HttpClient.newHttpClient()) {
            for (RunningContainer container : List.of(first, second)) {
                URI uri = URI.create("http://" + container.address().getAddress().getHostAddress() + ":"
                        + container.address().getPort() + "/");
                HttpResponse<String> response =
                        client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(container.probe(Duration.ofSeconds(1))).isTrue();
                assertThat(Files.readString(logOf(container.id())))
                        .contains("PORT=" + container.address().getPort())
                        .contains("GET / HTTP/1.1");
            }
        }
    }

    @Test
    void startupTimesOutForAProcessThatNeverListens() throws Exception {
        RunningContainer container = runtime.launch(launch("sleeper", List.of("sleep", "1000")));

        assertThatThrownBy(() -> container.whenListening(Duration.ofMillis(300)).get())
                .cause()
                .isInstanceOf(StartupTimeoutException.class);
        assertThat(container.whenExited()).isNotDone();
        assertThat(container.probe(Duration.ofMillis(100))).isFalse();
    }

    @Test
    void aProcessThatExitsAtOnceFailsReadinessWithItsStatus() throws Exception {
        RunningContainer container = runtime.launch(launch("quitter", List.of("sh", "-c", "exit 3")));

        assertThatThrownBy(() -> container.whenListening(READY_TIMEOUT).get())
                .cause()
                .isInstanceOfSatisfying(ContainerExitedException.class,
                        e -> assertThat(e.exit()).isEqualTo(new ContainerExit(3, false)));
        assertThat(container.whenExited().get(5, TimeUnit.SECONDS).exitCode()).isEqualTo(3);
    }

    @Test
    void aMissingCommandIsALaunchException() {
        assertThatThrownBy(() -> runtime.launch(launch("missing", List.of("no-such-command-portico"))))
                .isInstanceOf(LaunchException.class)
                .hasMessageContaining("no-such-command-portico");
    }

    @Test
    void aDuplicateIdIsALaunchException() throws Exception {
        runtime.launch(launch("twin", List.of("sleep", "1000")));

        assertThatThrownBy(() -> runtime.launch(launch("twin", List.of("sleep", "1000"))))
                .isInstanceOf(LaunchException.class)
                .hasMessageContaining("already running");
    }

    @Test
    void stopLetsAProcessThatHandlesSigtermExitCleanly() throws Exception {
        RunningContainer container = runtime.launch(launch("polite", listenerThatOnSigterm("exit", bindAddress())));
        container.whenListening(READY_TIMEOUT).get();

        ContainerExit exit = container.stop(Duration.ofSeconds(20)).get(10, TimeUnit.SECONDS);

        assertThat(exit).isEqualTo(new ContainerExit(7, false));
    }

    @Test
    void stopKillsAProcessThatIgnoresSigtermAfterTheGracePeriod() throws Exception {
        RunningContainer container = runtime.launch(launch("stubborn", listenerThatOnSigterm("ignore", bindAddress())));
        container.whenListening(READY_TIMEOUT).get();

        ContainerExit exit = container.stop(Duration.ofMillis(300)).get(10, TimeUnit.SECONDS);

        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.describe()).isEqualTo("killed by signal 9");
    }

    @Test
    void nothingOfAStoppedContainerIsLeft() throws Exception {
        RunningContainer container =
                runtime.launch(launch("family", List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait")));
        await().atMost(Duration.ofSeconds(5)).until(() -> tree(container.pid()).size() >= 3);
        List<Long> processes = tree(container.pid());

        container.stop(Duration.ofMillis(200)).get(10, TimeUnit.SECONDS);

        assertThat(processes).noneMatch(TestProcesses::running);
        assertNothingLeftOf(container);
    }

    @Test
    void killEndsTheWholeContainerAtOnce() throws Exception {
        RunningContainer container =
                runtime.launch(launch("doomed", List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait")));
        await().atMost(Duration.ofSeconds(5)).until(() -> tree(container.pid()).size() >= 3);
        List<Long> processes = tree(container.pid());

        container.kill();

        assertThat(container.whenExited().get(10, TimeUnit.SECONDS).exitCode()).isEqualTo(137);
        assertThat(processes).noneMatch(TestProcesses::running);
        assertNothingLeftOf(container);
    }

    @Test
    void aContainerOverItsMemoryLimitIsOutOfMemory() throws Exception {
        assumeTrue(runtime.limitsResources(), "no cgroup limits here (needs root and cgroup controllers)");
        RunningContainer container = runtime.launch(launch("hog", List.of(TestProcesses.PYTHON, "-c",
                        "b = bytearray(400 * 1024 * 1024); import time; time.sleep(30)"))
                .withResources(Resources.of(0.1, 0, 64, 128)));

        ContainerExit exit = container.whenExited().get(20, TimeUnit.SECONDS);

        assertThat(exit.outOfMemory()).as("%s", exit).isTrue();
        assertThat(exit.describe()).isEqualTo("out of memory");
        assertNothingLeftOf(container);
    }

    @Test
    void aCpuLimitHoldsBusyLoopsToItsShareOfACore() throws Exception {
        assumeTrue(runtime.limitsResources(), "no cgroup limits here (needs root and cgroup controllers)");
        // Two loops could use two cores; the limit allows half of one.
        RunningContainer container = runtime.launch(launch("spinner",
                        List.of("sh", "-c", "while :; do :; done & while :; do :; done"))
                .withResources(Resources.of(0.25, 0.5, 0, 0)));
        ContainerCgroup cgroup = ((LocalContainer) container).processes().cgroup().orElseThrow();
        assumeTrue(cgroup.cpuUsageNanos().isPresent(), "no CPU accounting in this cgroup layout");
        // The shell runs one loop itself and forks the other.
        await().atMost(Duration.ofSeconds(5)).until(() -> tree(container.pid()).size() >= 2);

        long cpuBefore = cgroup.cpuUsageNanos().orElseThrow();
        long wallBefore = System.nanoTime();
        Thread.sleep(3000);
        long cpu = cgroup.cpuUsageNanos().orElseThrow() - cpuBefore;
        long wall = System.nanoTime() - wallBefore;

        assertThat((double) cpu / wall).as("%d ns of CPU in %d ns", cpu, wall).isBetween(0.3, 0.7);
        container.kill();
        container.whenExited().get(10, TimeUnit.SECONDS);
        assertNothingLeftOf(container);
    }

    @Test
    void removeLeftoversEndsProcessesInCgroupsLeftInAnyHierarchy() throws Exception {
        assumeTrue(runtime.limitsResources(), "no cgroup limits here (needs root and cgroup controllers)");
        Path memory = CgroupLimits.v1Hierarchies(Files.readAllLines(Path.of("/proc/self/mounts"))).get("memory");
        assumeTrue(memory != null, "no cgroup v1 memory hierarchy");
        // What a crash between creating a container's cgroups and its exit can leave: here only in one hierarchy.
        Path stale = Files.createDirectories(memory.resolve("portico/" + InstanceTag.of(stateDir) + "/stale"));
        Process process = new ProcessBuilder("sh", "-c", "echo $$ > \"$1\" && exec sleep 1000", "sh",
                stale.resolve("cgroup.procs").toString()).start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Files.readString(stale.resolve("cgroup.procs")).contains(Long.toString(process.pid())));

        assertThat(runtime.removeLeftovers()).isEqualTo(1);

        assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(stale).doesNotExist();
    }

    @Test
    void gpuDevicesReachTheContainerAsCudaVisibleDevices() throws Exception {
        List<String> command = List.of("sh", "-c", "echo devices=${CUDA_VISIBLE_DEVICES-unset}");
        RunningContainer withGpu = runtime.launch(launch("gpu-1", command)
                .withResources(Resources.NONE.withGpuDevices(List.of("1"))));
        RunningContainer withoutGpu = runtime.launch(launch("gpu-none", command));

        withGpu.whenExited().get(10, TimeUnit.SECONDS);
        withoutGpu.whenExited().get(10, TimeUnit.SECONDS);

        assertThat(Files.readAllLines(logOf("gpu-1"))).containsExactly("devices=1");
        assertThat(Files.readAllLines(logOf("gpu-none"))).containsExactly("devices=unset");
    }

    /** Isolation-specific checks that nothing is left once {@code whenExited} completed. */
    abstract void assertNothingLeftOf(RunningContainer container);

    @Test
    void outputAndErrorsGoToTheLogFile() throws Exception {
        RunningContainer container = runtime.launch(
                launch("talker", List.of("sh", "-c", "echo out $GREETING; echo err >&2; exit 0")));

        container.whenExited().get(10, TimeUnit.SECONDS);

        assertThat(Files.readAllLines(logOf("talker"))).containsExactly("out hi", "err");
    }

    @Test
    void closeKillsEveryContainer() throws Exception {
        RunningContainer container = runtime.launch(launch("left-running", List.of("sleep", "1000")));
        long pid = container.pid();

        runtime.close();

        assertThat(container.whenExited()).isDone();
        assertThat(running(pid)).isFalse();
        assertThatThrownBy(() -> runtime.launch(launch("too-late", List.of("sleep", "1"))))
                .isInstanceOf(LaunchException.class);
    }

    @Test
    void removeLeftoversEndsTheContainersOfAnAbandonedInstanceWithTheSameStateDir() throws Exception {
        // The runtime under test plays the crashed instance: it is neither closed nor asked again.
        RunningContainer first = runtime.launch(launch("orphan-1", List.of("sh", "-c", "sleep 1000 & wait")));
        RunningContainer second = runtime.launch(launch("orphan-2", List.of("sleep", "1000")));
        await().atMost(Duration.ofSeconds(5)).until(() -> tree(first.pid()).size() >= 2);
        List<Long> processes = new ArrayList<>(tree(first.pid()));
        processes.addAll(tree(second.pid()));

        assertThat(newRuntime(otherStateDir).removeLeftovers()).isZero();
        assertThat(processes).allMatch(TestProcesses::running);

        assertThat(newRuntime(stateDir).removeLeftovers()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> processes.stream().noneMatch(TestProcesses::running));
        first.whenExited().get(10, TimeUnit.SECONDS);
        second.whenExited().get(10, TimeUnit.SECONDS);
    }
}
