package dev.portico.runtime.local;

import static dev.portico.runtime.local.TestProcesses.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.runtime.LaunchException;
import dev.portico.runtime.RunningContainer;
import dev.portico.runtime.VolumeMount;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local runtime with namespaces and cgroups; needs root on Linux, skipped elsewhere. */
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
    void aFailedNetworkSetupLeavesNothingBehind() throws Exception {
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
                ContainerInChildJvm.class.getName(), otherStateDir.toString())
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
            processes.add(ProcessHandle.of(init).flatMap(ProcessHandle::parent).orElseThrow().pid()); // unshare

            child.destroyForcibly().waitFor();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> processes.stream().noneMatch(TestProcesses::running));
        assertThat(newRuntime(otherStateDir).removeLeftovers()).isEqualTo(1);
    }
}
