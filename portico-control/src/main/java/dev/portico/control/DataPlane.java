package dev.portico.control;

import dev.portico.api.routing.RoutingTable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The control plane's view of the proxies: where it publishes routing snapshots and whence it
 * reads load. {@code portico up} connects it to the in-process proxy; the control plane knows no
 * more of the proxy than this.
 */
public interface DataPlane {

    /** Replaces the routing snapshot of every proxy. */
    void publish(RoutingTable table);

    /** Requests in flight per container id, summed over proxies; absent means zero. */
    Map<String, Integer> inFlightByContainer();

    /**
     * Per server host label, the time-weighted mean of in-flight requests since the previous call,
     * summed over proxies: the autoscaler's load signal.
     */
    CompletableFuture<Map<String, Double>> harvestLoad();
}
