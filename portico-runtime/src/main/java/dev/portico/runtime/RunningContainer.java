package dev.portico.runtime;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A launched container. Thread-safe; every method may be called from any thread.
 */
public interface RunningContainer {

    String id();

    /** Where the proxy and health checks connect: the container's own address, or loopback. */
    InetSocketAddress address();

    /** Host PID of the container's first process. */
    long pid();

    /**
     * Completes normally as soon as the port accepts a TCP connection (detected within
     * milliseconds); completes exceptionally with {@link StartupTimeoutException} when the port does
     * not accept within {@code timeout}, or with {@link ContainerExitedException} when the process
     * exits first. Neither outcome stops the container: the caller decides.
     */
    CompletableFuture<Void> whenListening(Duration timeout);

    /** Completes once the container's first process has exited and its resources are released. */
    CompletableFuture<ContainerExit> whenExited();

    /** One health check: does the port accept a TCP connection within {@code timeout}? */
    boolean probe(Duration timeout);

    /**
     * Sends SIGTERM to the container's first process; when the container has not exited after
     * {@code killAfter}, kills everything left in it with SIGKILL. Idempotent.
     *
     * @return {@link #whenExited()}
     */
    CompletableFuture<ContainerExit> stop(Duration killAfter);

    /** Kills every process of the container at once with SIGKILL. Idempotent. */
    void kill();
}
