package dev.portico.runtime.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a short-lived helper tool such as {@code ip} and returns its output. */
final class HostCommand {

    private static final Logger log = LoggerFactory.getLogger(HostCommand.class);

    private HostCommand() {}

    /**
     * Runs {@code command} with {@code stdin} (may be empty) as its input.
     *
     * @return stdout and stderr together
     * @throws IOException when it cannot be started or exits with a non-zero status; the message
     *     holds the command and its output
     */
    static String run(List<String> command, String stdin) throws IOException {
        if (log.isDebugEnabled()) {
            log.debug("run {}{}", String.join(" ", command), stdin.isEmpty() ? "" : " <<\n" + stdin.strip());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The command exited without reading its input (a broken pipe): its status says why.
            log.debug("{} did not take its input: {}", command.getFirst(), e.toString());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status;
        try {
            status = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command.getFirst(), e);
        }
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " failed with status " + status + ": " + output.strip());
        }
        return output;
    }
}
