package dev.portico.runtime;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A host directory made available to a container.
 *
 * <p>How it appears depends on the isolation: where the container has a mount namespace of its own
 * (the local runtime's namespace isolation, a Pod), {@code hostDirectory} is bind-mounted at
 * {@code containerPath}, privately, so the mount is never seen outside the container. Where it
 * has none (the local runtime without isolation) nothing is mounted: the container gets the
 * environment variable {@link #environmentVariable()}, {@code PORTICO_VOLUME_<NAME>}, holding the
 * host directory's path, where {@code NAME} is {@code containerPath} without its leading '/',
 * upper-cased, with every other character that is not a letter or digit replaced by '_'
 * ({@code /data/cache} gives {@code PORTICO_VOLUME_DATA_CACHE}).
 *
 * @param hostDirectory an existing directory on the node, created by the caller
 * @param containerPath absolute, normalized path inside the container, not {@code /}
 */
public record VolumeMount(Path hostDirectory, String containerPath) {

    /** Prefix of the environment variable that replaces the mount without a mount namespace. */
    public static final String ENVIRONMENT_PREFIX = "PORTICO_VOLUME_";

    public VolumeMount {
        Objects.requireNonNull(hostDirectory, "hostDirectory");
        Objects.requireNonNull(containerPath, "containerPath");
        hostDirectory = hostDirectory.toAbsolutePath().normalize();
        if (!containerPath.startsWith("/") || containerPath.equals("/")
                || !Path.of(containerPath).normalize().toString().equals(containerPath)
                || containerPath.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException(
                    "container path must be an absolute, normalized path other than /: '" + containerPath + "'");
        }
    }

    /** {@code PORTICO_VOLUME_<NAME>}, as described in the class comment. */
    public String environmentVariable() {
        StringBuilder name = new StringBuilder(ENVIRONMENT_PREFIX);
        containerPath.substring(1).toUpperCase(Locale.ROOT).chars()
                .forEach(c -> name.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? (char) c : '_'));
        return name.toString();
    }
}
