package dev.portico.runtime.local;

import static dev.portico.runtime.local.TestProcesses.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portico.runtime.LaunchException;
import dev.portico.runtime.RunningContainer;
import dev.portico.runtime.VolumeMount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local runtime with namespaces and cgroups, as configured by default (portico-init where a
 * C compiler exists, a network pool); needs root on Linux, skipped elsewhere.
 */
class NamespaceRuntimeTest extends LocalRuntimeContractTest {

    @BeforeAll
    static void requireNamespaces() {
        ProcessLauncher probe = new ProcessLauncher("portico-test-probe");
        try {
            NamespaceIsolation.detect(probe);
        } catch (IllegalStateException e) {
            Assumptions.abort("namespace isolation unavailable: " + e.getMessage());
        } finally {
            probe.close();
        }
    }

    @Override
    Isolation isolation() {
        return Isolation.NAMESPACE;
    }

    @Override
    String bindAddress() {
        return "0.0.0.0";
    }

    /** Whether containers are expected to start through portico-init (where it can be built). */
    boolean nativeInit() {
        return true;
    }

    @Override
    void assertNothingLeftOfClosedRuntime(Path dir) {
        String tag = InstanceTag.of(dir).value();
        assertThat(names(NetworkNamespaces.RUN_DIR, "portico-" + tag + "-*")).as("network namespaces").isEmpty();
        assertThat(names(Path.of("/sys/class/net"), "pt" + tag + "*")).as("host interfaces").isEmpty();
    }

    private static List<String> names(Path dir, String glob) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            entries.forEach(entry -> names.add(entry.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** This instance's network namespaces, pooled or a container's. */
    private static Set<String> namespaces(Path stateDir) {
        return new TreeSet<>(names(NetworkNamespaces.RUN_DIR, "portico-" + InstanceTag.of(stateDir) + "-*"));
    }

    private static NetworkPool poolOf(LocalRuntime runtime) {
        return ((NamespaceIsolation) runtime.driver()).networkPool();
    }

    private void awaitFullPool(LocalRuntime runtime) {
        await().atMost(Duration.ofSeconds(10)).until(() -> poolOf(runtime).readyCount() == networkPool());
    }

    private static NamespaceProcesses processesOf(RunningContainer container) {
        return (NamespaceProcesses) ((LocalContainer) container).processes();
    }

    private static String ip(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        return HostCommand.run(command, "");
    }

    @Override
    void assertNothingLeftOf(RunningContainer container) {
        NamespaceProcesses processes = (NamespaceProcesses) ((LocalContainer) container).processes();
        assertThat(processes.cgroup()).hasValueSatisfying(
                cgroup -> assertThat(cgroup.directories()).isNotEmpty().allSatisfy(dir -> assertThat(dir).doesNotExist()));
        assertThat(NetworkNamespaces.path(processes.namespace())).doesNotExist();
        assertThat(Path.of("/sys/class/net", processes.hostInterface())).doesNotExist();
    }

    @Test
    void everyContainerListensOnTheSamePortAtItsOwnAddress() throws Exception {
        RunningContainer first = runtime.launch(launch("same-port-1", TestProcesses.httpServer("0.0.0.0")));
        RunningContainer second = runtime.launch(launch("same-port-2", TestProcesses.httpServer("0.0.0.0")));
        first.whenListening(READY_TIMEOUT).get();
        second.whenListening(READY_TIMEOUT).get();

        assertThat(first.address().getPort()).isEqualTo(8000);
        assertThat(second.address().getPort()).isEqualTo(8000);
        assertThat(first.address().getAddress()).isNotEqualTo(second.address().getAddress());
        assertThat(Files.readString(logOf("same-port-1"))).contains("PORT=8000");
        assertThat(Files.readString(logOf("same-port-2"))).contains("PORT=8000");
    }

    @Test
    void theContainerIsPidOneOfItsOwnNamespaceAndInItsCgroup() throws Exception {
        RunningContainer container = runtime.launch(launch("introspect",
                List.of("sh", "-c", "echo pid=$$; cat /proc/self/cgroup; ls /proc | grep -c '^[0-9]'")));

        container.whenExited().get();

        NamespaceProcesses processes = (NamespaceProcesses) ((LocalContainer) container).processes();
        ContainerCgroup cgroup = processes.cgroup().orElseThrow();
        String cgroupLine = "0::/" + cgroup.unified().orElseThrow().toString()
                .replaceFirst("^/sys/fs/cgroup(/unified)?/", "");
        // sh, cat and ls: the container sees only its own processes.
        List<String> output = Files.readAllLines(logOf("introspect"));
        assertThat(output).containsSubsequence("pid=1", cgroupLine);
        // ... and it is in its cgroup of every hierarchy, v1 ones included ("4:memory:/portico/...").
        String placement = "/portico/" + InstanceTag.of(stateDir) + "/introspect";
        assertThat(output.stream().filter(line -> line.endsWith(placement)).count())
                .isEqualTo(cgroup.directories().size());
    }

    @Test
    void containersShareAVolumeBindMountedPrivatelyAtItsPath() throws Exception {
        Path shared = Files.createDirectories(stateDir.resolve("volumes/shared"));
        Path mountPoint = Path.of("/data");
        boolean mountPointExisted = Files.exists(mountPoint);
        List<VolumeMount> mounts = List.of(new VolumeMount(shared, "/data"));
        RunningContainer writer = runtime.launch(launch("writer",
                List.of("sh", "-c", "echo hello > /data/x && exec sleep 1000")).withMounts(mounts));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(shared.resolve("x")));

        RunningContainer reader = runtime.launch(launch("reader",
                List.of("sh", "-c", "cat /data/x; grep -c ' /data ' /proc/self/mountinfo")).withMounts(mounts));
        reader.whenExited().get(10, TimeUnit.SECONDS);

        assertThat(Files.readAllLines(logOf("reader"))).containsExactly("hello", "1");
        assertThat(Files.readString(shared.resolve("x"))).isEqualTo("hello\n");
        // The bind mounts are the containers' own: the host has none at /data.
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
                .noneMatch(line -> line.split(" ")[4].equals("/data"));
        writer.kill();
        writer.whenExited().get(10, TimeUnit.SECONDS);
        if (!mountPointExisted) {
            assertThat(mountPoint).as("the mount point the runtime created").doesNotExist();
        }
    }

    @Test
    void aMissingVolumeDirectoryIsALaunchException() {
        List<VolumeMount> mounts = List.of(new VolumeMount(stateDir.resolve("no-such-volume"), "/data"));

        assertThatThrownBy(() -> runtime.launch(launch("no-volume", List.of("true")).withMounts(mounts)))
                .isInstanceOf(LaunchException.class)
                .hasMessageContaining("no-such-volume");
    }

    @Test
    void containersStartThroughPorticoInitWhereACompilerExists() {
        NamespaceIsolation driver = (NamespaceIsolation) runtime.driver();
        if (nativeInit()) {
            assumeTrue(Executables.findTool("cc").or(() -> Executables.findTool("gcc")).isPresent(), "no C compiler");
            assertThat(driver.usesNativeInit()).isTrue();
        } else {
            assertThat(driver.usesNativeInit()).isFalse();
        }
    }

    @Test
    void aLaunchTakesAReadyNetworkAndThePoolRefills() throws Exception {
        assumeTrue(networkPool() >= 2, "needs a network pool of 2");
        awaitFullPool(runtime);
        Set<String> ready = namespaces(stateDir);
        assertThat(ready).hasSize(networkPool()).allMatch(name -> name.contains("-net."));

        RunningContainer first = runtime.launch(launch("pooled-1", TestProcesses.httpServer("0.0.0.0")));
        RunningContainer second = runtime.launch(launch("pooled-2", TestProcesses.httpServer("0.0.0.0")));

        // Both took a ready network, each labelled with its container's id ...
        for (RunningContainer container : List.of(first, second)) {
            NamespaceProcesses processes = processesOf(container);
            assertThat(ready).contains(processes.namespace());
            assertThat(NetworkNamespaces.label(processes.hostInterface())).hasValue(container.id());
        }
        // ... and both listen on 0.0.0.0:8000, each at its own address.
        first.whenListening(READY_TIMEOUT).get();
        second.whenListening(READY_TIMEOUT).get();
        assertThat(first.address().getPort()).isEqualTo(8000);
        assertThat(second.address().getPort()).isEqualTo(8000);
        assertThat(first.address().getAddress()).isNotEqualTo(second.address().getAddress());
        assertThat(first.probe(Duration.ofSeconds(1))).isTrue();
        assertThat(second.probe(Duration.ofSeconds(1))).isTrue();
        // The pool refills in the background.
        awaitFullPool(runtime);
        assertThat(namespaces(stateDir)).hasSize(networkPool() + 2).containsAll(ready);
    }

    @Test
    void closeRemovesTheNetworksNobodyTookAndTheBlocksRoute() throws Exception {
        assumeTrue(networkPool() > 0, "needs a network pool");
        LocalRuntime other = newRuntime(otherStateDir);
        awaitFullPool(other);
        RunningContainer container = other.launch(launch("short-lived", List.of("sleep", "1000")));
        awaitFullPool(other);
        String block = Ipv4Block.parse(container.address().getAddress().getHostAddress() + "/22", true).toString();
        String hostInterface = processesOf(container).hostInterface();
        assertThat(ip("route", "show", "type", "unreachable")).contains(block);
        assertThat(ip("route", "show")).contains(hostInterface);

        other.close();

        assertThat(container.whenExited()).isDone();
        assertNothingLeftOfClosedRuntime(otherStateDir);
        assertThat(ip("route", "show", "type", "unreachable")).doesNotContain(block);
        assertThat(ip("route", "show")).doesNotContain("pt" + InstanceTag.of(otherStateDir));
    }

    @Test
    void removeLeftoversRemovesThePooledNetworksOfAnAbandonedInstance() throws Exception {
        assumeTrue(networkPool() > 0, "needs a network pool");
        // The runtime under test plays the crashed instance: it is neither closed nor asked again.
        awaitFullPool(runtime);
        RunningContainer abandoned = runtime.launch(launch("abandoned", List.of("sleep", "1000")));
        awaitFullPool(runtime);
        Set<String> left = namespaces(stateDir);
        assertThat(left).hasSize(networkPool() + 1);

        LocalRuntime successor = newRuntime(stateDir);
        // Pooled networks nobody took are not containers.
        assertThat(successor.removeLeftovers()).isEqualTo(1);

        abandoned.whenExited().get(10, TimeUnit.SECONDS);
        awaitFullPool(successor);
        // Only the successor's own pool is left, untouched by its removeLeftovers().
        assertThat(namespaces(stateDir)).hasSize(networkPool()).doesNotContainAnyElementsOf(left);
        assertThat(successor.removeLeftovers()).isZero();
        assertThat(namespaces(stateDir)).hasSize(networkPool());
    }

    @Test
    void aFailedNetworkSetupLeavesNothingBehind() throws Exception {
        // Only a network made at launch can fail: take the runtime without a pool.
        LocalRuntime runtime = newRuntime(stateDir, 0);
        String clash = "portico-" + InstanceTag.of(stateDir) + "-clash";
        HostCommand.run(List.of("ip", "netns", "add", clash), "");
        try {
            assertThatThrownBy(() -> runtime.launch(launch("clash", List.of("sleep", "1000"))))
                    .isInstanceOf(LaunchException.class)
                    .hasMessageContaining("File exists");

            assertThat(CgroupTesting.instanceDirs(stateDir)).allSatisfy(dir -> assertThat(dir.resolve("clash")).doesNotExist());
            assertThat(Files.readString(logOf("clash"))).isEmpty();
        } finally {
            if (Files.exists(NetworkNamespaces.path(clash))) {
                HostCommand.run(List.of("ip", "netns", "del", clash), "");
            }
        }
    }

    @Test
    void containersDieWithTheJvmThatStartedThem() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-D" + NamespaceIsolation.NATIVE_INIT_PROPERTY + "="
                        + System.getProperty(NamespaceIsolation.NATIVE_INIT_PROPERTY, "true"),
                ContainerInChildJvm.class.getName(), otherStateDir.toString(), Integer.toString(networkPool()))
                .redirectErrorStream(true)
                .start();
        List<Long> processes = new ArrayList<>();
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String ready = output.lines().filter(line -> line.startsWith(ContainerInChildJvm.READY)).findFirst()
                    .orElseThrow(() -> new AssertionError("the child JVM ended without launching its container"));
            long init = Long.parseLong(ready.substring(ContainerInChildJvm.READY.length()).trim());
            await().atMost(Duration.ofSeconds(5)).until(() -> tree(init).size() >= 3);
            processes.addAll(tree(init));
            processes.add(ProcessHandle.of(init).flatMap(ProcessHandle::parent).orElseThrow().pid()); // its parent

            child.destroyForcibly().waitFor();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> processes.stream().noneMatch(TestProcesses::running));
        assertThat(newRuntime(otherStateDir).removeLeftovers()).isEqualTo(1);
    }
}
