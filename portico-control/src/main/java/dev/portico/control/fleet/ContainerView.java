package dev.portico.control.fleet;

import dev.portico.api.ContainerState;
import dev.portico.control.ServerKey;
import java.time.Instant;

/** An immutable look at a live container, taken under the fleet's lock. */
public record ContainerView(
        String id, ServerKey server, int version, ContainerState state, boolean routable, Instant createdAt) {

    /** Whether it counts as capacity: starting or serving, not on its way out. */
    public boolean isCapacity() {
        return state == ContainerState.STARTING || state == ContainerState.READY;
    }
}
