package dev.portico.runtime;

/**
 * Starts and ends containers: isolated process trees that each run one server.
 *
 * <p>A runtime is a mechanism, driven by the control plane's reconciler. It knows nothing about
 * apps, versions, routing or the proxy; the lifecycle policy (when to start, drain, stop, replace)
 * lives with its caller. Implementations: the local runtime of this module (namespaces or plain
 * process groups on this host) and, later, Kubernetes.
 *
 * <p>Every container a runtime launches is ended by {@link #close()}. Containers left behind by an
 * earlier instance with the same state directory (one that crashed or was killed) are found and
 * ended by {@link #removeLeftovers()}.
 */
public interface ContainerRuntime extends AutoCloseable {

    /** A short description for logs and the CLI, such as {@code "local (namespace isolation)"}. */
    String describe();

    /**
     * What this runtime's node offers to containers: CPU cores, memory, GPUs and its region. The
     * caller places and accounts containers against it; the runtime enforces each container's own
     * {@link ContainerLaunch#resources()} but does not refuse a launch that overcommits the node.
     */
    NodeInfo node();

    /**
     * Launches a container and returns once its process exists. Readiness, exit and health are
     * observed through the returned handle.
     *
     * @throws LaunchException when the container cannot be created (no address left, namespace
     *     setup failed, command not found); nothing of it is left behind then
     */
    RunningContainer launch(ContainerLaunch launch) throws LaunchException;

    /**
     * Ends every container, network namespace, cgroup and address left behind by an earlier
     * instance of this runtime with the same state directory.
     *
     * @return how many leftover containers were ended
     */
    int removeLeftovers();

    /** Kills every container this instance launched and releases what they held. */
    @Override
    void close();
}
