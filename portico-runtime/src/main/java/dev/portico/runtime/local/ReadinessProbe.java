package dev.portico.runtime.local;

import dev.portico.runtime.ContainerExit;
import dev.portico.runtime.ContainerExitedException;
import dev.portico.runtime.StartupTimeoutException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells when a container's port accepts TCP connections.
 *
 * <p>Readiness must be seen within milliseconds of the server's {@code listen()}, not on a
 * one-second poll: every cold start waits for it. A refused connect to a local address (loopback
 * or a veth peer) costs a few microseconds, so the probe simply retries, starting 1 ms apart and
 * backing off to 2 ms during the first second (when most servers start listening, and a
 * 10 ms pause would add up to 10 ms to a cold start), then to 10 ms, on a virtual thread of its own.
 */
final class ReadinessProbe {

    private static final long FIRST_PAUSE_NANOS = Duration.ofMillis(1).toNanos();
    private static final long MAX_EARLY_PAUSE_NANOS = Duration.ofMillis(2).toNanos();
    private static final long EARLY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MAX_PAUSE_NANOS = Duration.ofMillis(10).toNanos();
    /** Bounds one attempt when SYNs go unanswered; a local connect otherwise ends at once. */
    private static final long ATTEMPT_TIMEOUT_NANOS = Duration.ofMillis(50).toNanos();

    private ReadinessProbe() {}

    /** One connect attempt: true when {@code address} accepts a TCP connection within {@code timeout}. */
    static boolean accepts(InetSocketAddress address, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(address, Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Completes when {@code address} accepts; exceptionally with {@link ContainerExitedException}
     * when {@code exited} completes first, or with {@link StartupTimeoutException} after
     * {@code timeout}. Returns at once.
     */
    static CompletableFuture<Void> whenListening(
            String containerId, InetSocketAddress address, Duration timeout, CompletableFuture<ContainerExit> exited) {
        CompletableFuture<Void> listening = new CompletableFuture<>();
        exited.thenAccept(exit -> listening.completeExceptionally(new ContainerExitedException(exit)));
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Thread.ofVirtual().name("portico-ready-" + containerId).start(() -> {
            long pause = FIRST_PAUSE_NANOS;
            while (!listening.isDone()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    listening.completeExceptionally(new StartupTimeoutException(timeout));
                    return;
                }
                if (accepts(address, Duration.ofNanos(Math.min(remaining, ATTEMPT_TIMEOUT_NANOS)))) {
                    listening.complete(null);
                    return;
                }
                LockSupport.parkNanos(Math.min(pause, deadline - System.nanoTime()));
                pause = Math.min(pause * 2,
                        System.nanoTime() - start < EARLY_NANOS ? MAX_EARLY_PAUSE_NANOS : MAX_PAUSE_NANOS);
            }
        });
        return listening;
    }
}
