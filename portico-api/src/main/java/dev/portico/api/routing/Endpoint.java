package dev.portico.api.routing;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A ready container that may receive requests.
 *
 * @param containerId the container's id, stable across routing snapshots; in-flight counts are kept
 *     per id, so a container that appears in consecutive snapshots keeps its count
 * @param address where the container's server accepts connections
 */
public record Endpoint(String containerId, InetSocketAddress address) {
    public Endpoint {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(address, "address");
    }
}
