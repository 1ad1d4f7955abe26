package dev.portico.control.fleet;

import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import dev.portico.control.Volumes;
import dev.portico.control.secrets.SecretVault;
import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.Resources;
import dev.portico.runtime.VolumeMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a server's spec into what the runtime launches: the entrypoint command, the environment
 * of DESIGN.md §2 with the server's secrets, its resources with the GPUs it was given, and its
 * volumes.
 */
public final class ContainerLaunches {

    private final ContainerCommand command;
    private final SecretVault secrets;
    private final Volumes volumes;
    private final Path logDirectory;

    public ContainerLaunches(ContainerCommand command, SecretVault secrets, Volumes volumes, Path logDirectory) {
        this.command = command;
        this.secrets = secrets;
        this.volumes = volumes;
        this.logDirectory = logDirectory;
    }

    /**
     * @throws dev.portico.control.NotFoundException when a secret the server names no longer exists
     */
    ContainerLaunch launch(String containerId, ServerKey key, ServerSpec spec, Path artifact, List<String> gpus) {
        Map<String, String> environment = command.environment(containerId, key, spec);
        for (String secret : spec.secrets()) {
            environment.putAll(secrets.values(secret));
        }
        List<VolumeMount> mounts = new ArrayList<>();
        for (String volume : spec.volumes()) {
            int colon = volume.indexOf(':');
            mounts.add(new VolumeMount(volumes.path(volume.substring(0, colon)), volume.substring(colon + 1)));
        }
        return new ContainerLaunch(containerId, command.command(spec, artifact), environment, spec.port(),
                logDirectory.resolve(containerId + ".log"))
                .withResources(new Resources(spec.cpu(), spec.cpuLimit(), spec.memory(), spec.memoryLimit(), gpus))
                .withMounts(mounts);
    }
}
