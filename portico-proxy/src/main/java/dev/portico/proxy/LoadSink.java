package dev.portico.proxy;

/**
 * Receives demand signals from the proxy. Called on event-loop threads: implementations must return
 * at once and never block (hand the work to another thread).
 */
@FunctionalInterface
public interface LoadSink {

    /**
     * A request for {@code serverId} found no ready container and was answered 503. The control
     * plane starts a container at once rather than at its next autoscaler tick. May be called for
     * every such request; implementations coalesce.
     */
    void noReadyContainer(String serverId);
}
