package dev.portico.proxy.internal;

import dev.portico.api.routing.Route;

/** A route as the request path sees it: flattened fields and its ready targets. */
public final class RouteEntry {

    /** Lower-case host label. */
    final String label;
    final int labelHash;
    final String serverId;
    final String environment;
    final String region;
    final boolean unauthenticated;
    /** Never null; empty means 503. */
    public final Target[] targets;

    RouteEntry(String label, Route route, Target[] targets) {
        this.label = label;
        this.labelHash = RoutingSnapshot.labelHash(label, label.length());
        this.serverId = route.serverId();
        this.environment = route.environment();
        this.region = route.region();
        this.unauthenticated = route.unauthenticated();
        this.targets = targets;
    }
}
