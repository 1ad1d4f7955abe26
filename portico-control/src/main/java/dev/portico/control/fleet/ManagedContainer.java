package dev.portico.control.fleet;

import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import dev.portico.runtime.RunningContainer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

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
    final Path artifact;
    final Instant createdAt;

    ContainerState state = ContainerState.STARTING;
    String reason;
    /** What it holds of the node; null while it waits for room (then it is not launched yet). */
    Placement.Claim claim;
    /** Null until the runtime has launched it. */
    RunningContainer running;
    /** Set just after {@link #running}: done once the fleet has handled (and stored) the container's exit. */
    CompletableFuture<Void> exitHandled;
    /** Whether the proxy may send it new requests: READY and its last health check passed. */
    boolean routable;
    int healthFailures;

    ManagedContainer(String id, ServerKey server, int version, ServerSpec spec, Path artifact, Instant createdAt) {
        this.id = id;
        this.server = server;
        this.version = version;
        this.spec = spec;
        this.artifact = artifact;
        this.createdAt = createdAt;
    }

    /** Recorded but not launched: waiting for room on the node. */
    boolean isWaiting() {
        return state == ContainerState.STARTING && claim == null;
    }

    /** Whether it counts as capacity: starting or serving, not on its way out. */
    boolean isCapacity() {
        return state == ContainerState.STARTING || state == ContainerState.READY;
    }
}
