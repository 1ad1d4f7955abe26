package dev.portico.api.routing;

import java.util.Map;

/**
 * An immutable snapshot of every route, keyed by host label ({@code env--app--server}, the first
 * label of the {@code Host} header, lower-cased). The control plane builds a new one whenever
 * routing changes and hands it to every proxy.
 */
public record RoutingTable(Map<String, Route> routes) {

    private static final RoutingTable EMPTY = new RoutingTable(Map.of());

    public RoutingTable {
        routes = Map.copyOf(routes);
    }

    public static RoutingTable empty() {
        return EMPTY;
    }

    /** The route for a host label, or null. */
    public Route find(String hostLabel) {
        return routes.get(hostLabel);
    }
}
