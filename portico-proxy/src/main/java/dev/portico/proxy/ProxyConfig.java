package dev.portico.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a proxy process.
 *
 * @param listeners one listener per routing region: region name to bind address (port 0 picks a
 *     free port; {@link ProxyServer#address(String)} tells which)
 * @param eventLoopThreads event-loop threads shared by all listeners and backend connections
 * @param maxHeaderBytes largest request head accepted; larger gets 431
 * @param headerReadTimeout a client that has not sent a complete request head within this time
 *     after starting one is disconnected
 * @param idleTimeout a client connection with no request in progress and no traffic for this long
 *     is closed
 */
public record ProxyConfig(
        Map<String, InetSocketAddress> listeners,
        int eventLoopThreads,
        int maxHeaderBytes,
        Duration headerReadTimeout,
        Duration idleTimeout) {

    public ProxyConfig {
        listeners = Map.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("at least one listener is needed");
        }
        if (eventLoopThreads < 1) {
            throw new IllegalArgumentException("eventLoopThreads must be at least 1");
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("maxHeaderBytes must be at least 1024");
        }
        Objects.requireNonNull(headerReadTimeout, "headerReadTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /** Defaults: 16 KiB heads, 10 s to send a head, 5 min idle. */
    public static ProxyConfig of(Map<String, InetSocketAddress> listeners, int eventLoopThreads) {
        return new ProxyConfig(
                listeners, eventLoopThreads, 16 * 1024, Duration.ofSeconds(10), Duration.ofMinutes(5));
    }
}
