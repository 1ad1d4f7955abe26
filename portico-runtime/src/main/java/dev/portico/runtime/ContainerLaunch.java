package dev.portico.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a runtime needs to start one container.
 *
 * @param id unique container id, such as {@code ct-7h3k2m9q}; lower-case letters, digits, '-'
 * @param command the container's init command; the runtime runs it as the container's first process
 * @param environment extra environment; the runtime adds {@code PORT} itself (equal to {@code port}
 *     when the container has its own network namespace, a distinct free port otherwise)
 * @param port port the server listens on inside the container
 * @param logFile file that receives the container's stdout and stderr, appended
 */
public record ContainerLaunch(
        String id, List<String> command, Map<String, String> environment, int port, Path logFile) {

    public ContainerLaunch {
        Objects.requireNonNull(id, "id");
        if (!id.matches("[a-z0-9-]{1,40}")) {
            throw new IllegalArgumentException("container id must match [a-z0-9-]{1,40}: " + id);
        }
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        environment = Map.copyOf(environment);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535: " + port);
        }
        Objects.requireNonNull(logFile, "logFile");
    }
}
