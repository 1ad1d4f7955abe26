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
 * @param networkPool with namespace isolation, how many network namespaces (each with its veth
 *     pair, addresses and routes) to keep ready for the next launches, refilled in the background;
 *     0 makes each launch set up its own
 */
public record LocalRuntimeConfig(
        Path stateDir, Isolation isolation, String addressPool, String region, List<Gpu> gpus, int networkPool) {

    public static final String DEFAULT_ADDRESS_POOL = "10.213.0.0/16";
    public static final int DEFAULT_NETWORK_POOL = 2;
    /** At most this many ready network namespaces: each holds a subnet and a few kernel objects. */
    public static final int MAX_NETWORK_POOL = 64;

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
        if (networkPool < 0 || networkPool > MAX_NETWORK_POOL) {
            throw new IllegalArgumentException("network pool must be in 0.." + MAX_NETWORK_POOL + ": " + networkPool);
        }
    }

    /** The default network pool. */
    public LocalRuntimeConfig(Path stateDir, Isolation isolation, String addressPool, String region, List<Gpu> gpus) {
        this(stateDir, isolation, addressPool, region, gpus, DEFAULT_NETWORK_POOL);
    }

    /** No region, GPUs detected, the default network pool. */
    public LocalRuntimeConfig(Path stateDir, Isolation isolation, String addressPool) {
        this(stateDir, isolation, addressPool, null, null);
    }

    /** Automatic isolation, the default address and network pools, no region, GPUs detected. */
    public static LocalRuntimeConfig of(Path stateDir) {
        return new LocalRuntimeConfig(stateDir, Isolation.AUTO, DEFAULT_ADDRESS_POOL);
    }

    /** This configuration with {@code region} instead. */
    public LocalRuntimeConfig withRegion(String region) {
        return new LocalRuntimeConfig(stateDir, isolation, addressPool, region, gpus, networkPool);
    }

    /** This configuration with the GPU inventory {@code gpus} instead (null: detect). */
    public LocalRuntimeConfig withGpus(List<Gpu> gpus) {
        return new LocalRuntimeConfig(stateDir, isolation, addressPool, region, gpus, networkPool);
    }

    /** This configuration with {@code networkPool} ready network namespaces instead (0: none). */
    public LocalRuntimeConfig withNetworkPool(int networkPool) {
        return new LocalRuntimeConfig(stateDir, isolation, addressPool, region, gpus, networkPool);
    }
}
