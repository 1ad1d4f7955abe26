package dev.portico.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** portico-init on its own; needs root, namespaces and a C compiler, skipped elsewhere. */
class NativeInitTest {

    private static Path program;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        assumeTrue(ProcFs.runningAsRoot(), "needs root");
        assumeTrue(Executables.findTool("cc").or(() -> Executables.findTool("gcc")).isPresent(), "no C compiler");
        program = NativeInit.locate().orElseThrow(() -> new AssertionError("portico-init cannot be built"));
    }

    private List<String> command(long parent, String... userCommand) {
        List<String> command = new ArrayList<>(List.of(program.toString(), Long.toString(parent),
                "/proc/self/ns/net", "0", "0"));
        command.addAll(List.of(userCommand));
        return command;
    }

    private List<String> command(String... userCommand) {
        return command(ProcessHandle.current().pid(), userCommand);
    }

    @Test
    void runsTheCommandAsPidOneOfItsOwnSessionOnceToldToGoAhead() throws Exception {
        String output = HostCommand.run(command("sh", "-c", "echo pid=$$ sid=$(cut -d' ' -f6 /proc/self/stat)"), "\n");

        assertThat(output).isEqualTo("pid=1 sid=1\n");
    }

    @Test
    void runsNothingWithoutTheGoAhead() {
        Path marker = dir.resolve("ran");

        assertThatThrownBy(() -> HostCommand.run(command("touch", marker.toString()), ""))
                .hasMessageContaining("status 125");
        assertThat(marker).doesNotExist();
    }

    @Test
    void runsNothingWhenItsParentIsNotTheJvm() {
        Path marker = dir.resolve("ran");

        assertThatThrownBy(() -> HostCommand.run(command(1, "touch", marker.toString()), "\n"))
                .hasMessageContaining("status 125");
        assertThat(marker).doesNotExist();
    }

    @Test
    void exitsWithTheCommandsStatusOr128PlusTheSignalThatKilledIt() throws Exception {
        assertThatThrownBy(() -> HostCommand.run(command("sh", "-c", "exit 3"), "\n")).hasMessageContaining("status 3");
        assertThatThrownBy(() -> HostCommand.run(command("no-such-command-portico"), "\n"))
                .hasMessageContaining("status 127");

        Process process = new ProcessBuilder(command("sleep", "1000")).start();
        try (OutputStream gate = process.getOutputStream()) {
            gate.write('\n');
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcFs.children(process.pid()).isEmpty());
        long init = ProcFs.children(process.pid()).getFirst();
        // SIGTERM to the parent is blocked (as unshare blocks it); SIGKILL to the init ends both.
        process.destroy();
        assertThat(process.waitFor(200, TimeUnit.MILLISECONDS)).isFalse();
        ProcessHandle.of(init).orElseThrow().destroyForcibly();

        assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(137);
    }

    @Test
    void refusesAProgramOthersCouldHaveReplaced() throws IOException {
        Path base = Files.createDirectories(dir.resolve("init"));
        Path built = NativeInit.build(base);
        assertThat(built).startsWith(base).isExecutable();

        Files.setPosixFilePermissions(built.getParent(), PosixFilePermissions.fromString("rwxrwxr-x"));

        assertThatThrownBy(() -> NativeInit.build(base)).hasMessageContaining("can be written by others");
    }
}
