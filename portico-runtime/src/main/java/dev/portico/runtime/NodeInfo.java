package dev.portico.runtime;

import java.util.List;
import java.util.Objects;

/**
 * What a runtime's node offers to containers, for its caller's placement and accounting.
 *
 * @param name the node's name, such as the host name
 * @param cpuCores CPU cores available to containers
 * @param memoryMiB memory available to containers, in MiB
 * @param gpus the node's GPUs; empty when it has none
 * @param region the compute region of the node, such as {@code "us-east"}; null when it has none
 */
public record NodeInfo(String name, double cpuCores, long memoryMiB, List<Gpu> gpus, String region) {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        gpus = List.copyOf(gpus);
        if (region != null && region.isBlank()) {
            region = null;
        }
    }
}
