package dev.portico.runtime.local;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a {@link LocalRuntime}.
 *
 * @param stateDir directory that belongs to this runtime (pid files of its containers); its path
 *     also identifies the runtime on this host, so that two runtimes with different state
 *     directories never touch each other's containers
 * @param isolation how containers are isolated
 * @param addressPool IPv4 block, such as {@code 10.213.0.0/16}, out of which namespace-isolated
 *     containers get their addresses
 */
public record LocalRuntimeConfig(Path stateDir, Isolation isolation, String addressPool) {

    public static final String DEFAULT_ADDRESS_POOL = "10.213.0.0/16";

    public LocalRuntimeConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(isolation, "isolation");
        Objects.requireNonNull(addressPool, "addressPool");
        Ipv4Block pool = Ipv4Block.parse(addressPool);
        if (pool.prefix() > Ipv4Block.SUBNET_PREFIX) {
            throw new IllegalArgumentException(
                    "address pool must be a /" + Ipv4Block.SUBNET_PREFIX + " or larger: " + addressPool);
        }
        stateDir = stateDir.toAbsolutePath().normalize();
    }

    /** Automatic isolation and the default address pool. */
    public static LocalRuntimeConfig of(Path stateDir) {
        return new LocalRuntimeConfig(stateDir, Isolation.AUTO, DEFAULT_ADDRESS_POOL);
    }
}
