package dev.portico.control.fleet;

import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import dev.portico.runtime.RunningContainer;
import java.time.Instant;

/**
 * The control plane's live view of one container. Mutable; every field is guarded by the
 * {@link Fleet}'s lock, and every state change goes through {@link Fleet} so that it is stored
 * first and routing follows.
 */
final class ManagedContainer {
    final String id;
    final ServerKey server;
    final int version;
    final ServerSpec spec;
    final Instant createdAt;

    ContainerState state = ContainerState.STARTING;
    String reason;
    /** Null until the runtime has launched it. */
    RunningContainer running;
    /** Whether the proxy may send it new requests: READY and its last health check passed. */
    boolean routable;
    int healthFailures;

    ManagedContainer(String id, ServerKey server, int version, ServerSpec spec, Instant createdAt) {
        this.id = id;
        this.server = server;
        this.version = version;
        this.spec = spec;
        this.createdAt = createdAt;
    }

    /** Whether it counts as capacity: starting or serving, not on its way out. */
    boolean isCapacity() {
        return state == ContainerState.STARTING || state == ContainerState.READY;
    }
}
