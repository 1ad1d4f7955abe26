package dev.portico.api.routing;

import java.util.List;
import java.util.Objects;

/**
 * Where requests for one server go.
 *
 * @param serverId the server's host label, {@code env--app--server}; the key of load reports
 * @param environment the server's environment, for token scopes under RBAC
 * @param region the routing region whose proxy listener serves it; other listeners answer 421
 * @param unauthenticated when false, requests need a valid {@code Modal-Key}/{@code Modal-Secret}
 * @param endpoints ready, non-draining containers; empty means 503 and a cold start
 */
public record Route(
        String serverId,
        String environment,
        String region,
        boolean unauthenticated,
        List<Endpoint> endpoints) {

    public Route {
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(region, "region");
        endpoints = List.copyOf(endpoints);
    }
}
