package dev.portico.proxy.internal;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive connections to containers, for one event loop (confined to its thread: no locks).
 * Connections are reused most-recently-returned first, so surplus ones age out; at most
 * {@link #MAX_IDLE_PER_ADDRESS} per address are kept, each for at most {@link #IDLE_TIMEOUT_NANOS}.
 * Times are the caller's {@link System#nanoTime()} readings, passed in (the exchange has one at hand),
 * which also lets the tests run in virtual time.
 */
final class BackendPool {

    /**
     * High enough to keep every connection a burst of concurrent requests used: below that, the next burst
     * opens new ones while the surplus closes, and at 1,000 client connections the proxy did that for
     * nearly every request, at less than half the throughput. Surplus connections go within the idle timeout.
     */
    static final int MAX_IDLE_PER_ADDRESS = 1024;
    /**
     * Why this short: a container closes a keep-alive connection that stayed idle for its own timeout,
     * and if the proxy takes that connection for a request at the moment the close is on its way, the
     * request fails with a 502 although the container is fine (no retry: DESIGN.md §3). Below the
     * shortest such timeout among common servers (gunicorn's 2 s; Node.js and uvicorn have 5 s), the
     * proxy never takes a connection that the container may be closing. What it costs: a request more
     * than 1.5 s after the previous one to the same container opens a new connection, a loopback or
     * veth handshake, tens of microseconds.
     */
    static final long IDLE_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(1_500);

    /** Keyed by identity: every snapshot uses one instance per address (see {@link RoutingSnapshot#compile}). */
    private final IdentityHashMap<InetSocketAddress, ArrayDeque<BackendHandler>> idle = new IdentityHashMap<>();

    /**
     * An open connection to {@code address} idle for no longer than the timeout, or null. Checked here
     * and not only by {@link #sweep}, which runs once a second: between two sweeps a connection may be
     * up to a second past the timeout.
     */
    BackendHandler acquire(InetSocketAddress address, long nowNanos) {
        ArrayDeque<BackendHandler> deque = idle.get(address);
        if (deque == null) {
            return null;
        }
        BackendHandler handler;
        while ((handler = deque.pollFirst()) != null) {
            handler.pooled = false;
            if (handler.channel().isActive() && nowNanos - handler.idleSinceNanos <= IDLE_TIMEOUT_NANOS) {
                return handler;
            }
            handler.channel().close();
        }
        return null;
    }

    /** Takes back a connection whose exchange completed cleanly, or closes it when the pool is full. */
    void release(BackendHandler handler, long nowNanos) {
        if (!handler.channel().isActive()) {
            handler.channel().close();
            return;
        }
        ArrayDeque<BackendHandler> deque = idle.computeIfAbsent(handler.address, a -> new ArrayDeque<>());
        if (deque.size() >= MAX_IDLE_PER_ADDRESS) {
            handler.channel().close();
            return;
        }
        handler.pooled = true;
        handler.idleSinceNanos = nowNanos;
        deque.addFirst(handler);
    }

    /** An idle connection was closed by its container. */
    void remove(BackendHandler handler) {
        ArrayDeque<BackendHandler> deque = idle.get(handler.address);
        if (deque != null && deque.remove(handler) && deque.isEmpty()) {
            idle.remove(handler.address);
        }
        handler.pooled = false;
    }

    /** Closes connections idle for longer than the timeout (they sit at the tail of each deque). */
    void sweep(long nowNanos) {
        for (Iterator<ArrayDeque<BackendHandler>> it = idle.values().iterator(); it.hasNext(); ) {
            ArrayDeque<BackendHandler> deque = it.next();
            BackendHandler oldest;
            while ((oldest = deque.peekLast()) != null && nowNanos - oldest.idleSinceNanos > IDLE_TIMEOUT_NANOS) {
                deque.pollLast();
                oldest.pooled = false;
                oldest.channel().close();
            }
            if (deque.isEmpty()) {
                it.remove();
            }
        }
    }

    int idleCount() {
        int n = 0;
        for (ArrayDeque<BackendHandler> deque : idle.values()) {
            n += deque.size();
        }
        return n;
    }
}
