package dev.portico.api;

/**
 * The lifecycle of a container (DESIGN.md §4). Only {@link #READY} containers receive requests.
 */
public enum ContainerState {
    /** Process launched, {@code @Enter} running, port not yet accepting. */
    STARTING,
    /** Port accepts TCP; routed. */
    READY,
    /** No new requests; in-flight ones get up to the exit grace period. */
    DRAINING,
    /** SIGTERM sent: {@code @Exit} handlers and the process tree get 30 s. */
    STOPPING,
    /** Ended; nothing of it is left. */
    STOPPED,
    /** Ended on its own, not ready in time, or unhealthy; the reason says which. */
    FAILED;

    /** Whether the container has ended for good. */
    public boolean isFinal() {
        return this == STOPPED || this == FAILED;
    }
}
