package dev.portico.runtime.local;

import dev.portico.runtime.Gpu;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
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
 * @param region the compute region this host belongs to, such as {@code "us-east"}; null (or
 *     blank) for none
 * @param gpus the host's GPU inventory; null to detect it with {@code nvidia-smi -L} (none when
 *     that command does not exist), an empty list for none
 */
public record LocalRuntimeConfig(Path stateDir, Isolation isolation, String addressPool, String region, List<Gpu> gpus) {

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
        if (region != null && region.isBlank()) {
            region = null;
        }
        if (gpus != null) {
            gpus = List.copyOf(gpus);
            if (new HashSet<>(gpus.stream().map(Gpu::index).toList()).size() != gpus.size()) {
                throw new IllegalArgumentException("GPU indices must be distinct: " + gpus);
            }
        }
    }

    /** No region, GPUs detected. */
    public LocalRuntimeConfig(Path stateDir, Isolation isolation, String addressPool) {
        this(stateDir, isolation, addressPool, null, null);
    }

    /** Automatic isolation, the default address pool, no region, GPUs detected. */
    public static LocalRuntimeConfig of(Path stateDir) {
        return new LocalRuntimeConfig(stateDir, Isolation.AUTO, DEFAULT_ADDRESS_POOL);
    }

    /** This configuration with {@code region} instead. */
    public LocalRuntimeConfig withRegion(String region) {
        return new LocalRuntimeConfig(stateDir, isolation, addressPool, region, gpus);
    }

    /** This configuration with the GPU inventory {@code gpus} instead (null: detect). */
    public LocalRuntimeConfig withGpus(List<Gpu> gpus) {
        return new LocalRuntimeConfig(stateDir, isolation, addressPool, region, gpus);
    }
}
