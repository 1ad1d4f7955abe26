package dev.portico.runtime.local;

import static dev.portico.runtime.local.TestProcesses.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.runtime.LaunchException;
import dev.portico.runtime.RunningContainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        assertThat(processes.cgroup()).hasValueSatisfying(cgroup -> assertThat(cgroup).doesNotExist());
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
        String cgroupLine = "0::/" + processes.cgroup().orElseThrow().toString()
                .replaceFirst("^/sys/fs/cgroup(/unified)?/", "");
        // sh, cat and ls: the container sees only its own processes.
        assertThat(Files.readAllLines(logOf("introspect"))).containsSubsequence("pid=1", cgroupLine);
    }

    @Test
    void aFailedNetworkSetupLeavesNothingBehind() throws Exception {
        String clash = "portico-" + InstanceTag.of(stateDir) + "-clash";
        HostCommand.run(List.of("ip", "netns", "add", clash), "");
        try {
            assertThatThrownBy(() -> runtime.launch(launch("clash", List.of("sleep", "1000"))))
                    .isInstanceOf(LaunchException.class)
                    .hasMessageContaining("File exists");

            assertThat(Path.of("/sys/fs/cgroup/unified/portico", InstanceTag.of(stateDir).value(), "clash"))
                    .doesNotExist();
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
