package dev.portico.runtime;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a runtime needs to start one container.
 *
 * @param id unique container id, such as {@code ct-7h3k2m9q}; lower-case letters, digits, '-'
 * @param command the container's init command; the runtime runs it as the container's first process
 * @param environment extra environment; the runtime adds {@code PORT} itself (equal to {@code port}
 *     when the container has its own network namespace, a distinct free port otherwise), and
 *     {@code CUDA_VISIBLE_DEVICES} when {@code resources} names GPU devices
 * @param port port the server listens on inside the container
 * @param logFile file that receives the container's stdout and stderr, appended
 * @param resources CPU and memory requests and limits, GPU devices to expose
 * @param mounts host directories to make available in the container (see {@link VolumeMount});
 *     container paths and their environment variable names are distinct, none inside another
 */
public record ContainerLaunch(
        String id,
        List<String> command,
        Map<String, String> environment,
        int port,
        Path logFile,
        Resources resources,
        List<VolumeMount> mounts) {

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
        Objects.requireNonNull(resources, "resources");
        mounts = List.copyOf(mounts);
        Set<String> paths = new HashSet<>();
        Set<String> variables = new HashSet<>();
        for (VolumeMount mount : mounts) {
            if (!paths.add(mount.containerPath())) {
                throw new IllegalArgumentException("two volumes are mounted at " + mount.containerPath());
            }
            for (VolumeMount other : mounts) {
                if (other != mount && mount.containerPath().startsWith(other.containerPath() + "/")) {
                    throw new IllegalArgumentException("volume path " + mount.containerPath()
                            + " is inside another volume's path " + other.containerPath());
                }
            }
            if (!variables.add(mount.environmentVariable())) {
                throw new IllegalArgumentException("volume paths " + mount.containerPath()
                        + " and another one both map to the variable " + mount.environmentVariable());
            }
        }
    }

    /** A container without resource requests, limits, GPUs or volumes. */
    public ContainerLaunch(String id, List<String> command, Map<String, String> environment, int port, Path logFile) {
        this(id, command, environment, port, logFile, Resources.NONE, List.of());
    }

    /** This launch with {@code resources} instead. */
    public ContainerLaunch withResources(Resources resources) {
        return new ContainerLaunch(id, command, environment, port, logFile, resources, mounts);
    }

    /** This launch with {@code mounts} instead. */
    public ContainerLaunch withMounts(List<VolumeMount> mounts) {
        return new ContainerLaunch(id, command, environment, port, logFile, resources, mounts);
    }
}
