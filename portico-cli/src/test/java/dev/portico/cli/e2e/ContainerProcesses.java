package dev.portico.cli.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Finds the processes of a container among this JVM's descendants, by their environment. */
final class ContainerProcesses {

    private ContainerProcesses() {}

    /**
     * The PID of the container's user server: the Python process its {@code @Enter} started (the
     * last of a chain when {@code python3} is a wrapper script, as pyenv's shims are).
     */
    static long serverPid(String containerId) {
        return ProcessHandle.current().descendants()
                .filter(p -> command(p).contains("python") && environment(p).contains("PORTICO_CONTAINER_ID=" + containerId))
                .filter(p -> p.children().findAny().isEmpty())
                .mapToLong(ProcessHandle::pid)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no python process in container " + containerId));
    }

    private static String command(ProcessHandle process) {
        return read(process, "cmdline").stream().findFirst().orElse("");
    }

    private static List<String> environment(ProcessHandle process) {
        return read(process, "environ");
    }

    private static List<String> read(ProcessHandle process, String file) {
        try {
            byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), file));
            return Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException gone) {
            return List.of();
        }
    }
}
