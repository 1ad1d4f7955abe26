package dev.portico.proxy;

import dev.portico.api.routing.Authenticator;
import dev.portico.api.routing.RoutingTable;
import dev.portico.proxy.internal.ProxyEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The data plane: one HTTP/1.1 listener per routing region, routing by {@code Host} to the ready
 * containers of the current {@link RoutingTable}, streaming both ways (see DESIGN.md §3).
 *
 * <pre>{@code
 * try (ProxyServer proxy = ProxyServer.start(config, loadSink, authenticator)) {
 *     proxy.update(table);                       // whenever routing changes
 *     Map<String, Double> load = proxy.harvestLoad().join(); // every autoscaler tick
 * }
 * }</pre>
 *
 * <p>All methods may be called from any thread.
 */
public final class ProxyServer implements AutoCloseable {

    private final ProxyEngine engine;

    private ProxyServer(ProxyEngine engine) {
        this.engine = engine;
    }

    /**
     * Binds every listener of {@code config}. Throws (having released everything) when one cannot be
     * bound: {@link java.io.UncheckedIOException} for an address in use or not available.
     */
    public static ProxyServer start(ProxyConfig config, LoadSink loadSink, Authenticator authenticator) {
        return start(config, loadSink, authenticator, new SimpleMeterRegistry());
    }

    /**
     * As {@link #start(ProxyConfig, LoadSink, Authenticator)}, recording per-server traffic meters in
     * {@code registry}: {@code portico.proxy.in.flight}, {@code portico.proxy.responses} by status
     * class, and the {@code portico.proxy.request.latency} histogram, each tagged with the server.
     */
    public static ProxyServer start(ProxyConfig config, LoadSink loadSink, Authenticator authenticator,
                                    MeterRegistry registry) {
        return new ProxyServer(ProxyEngine.start(config, loadSink, authenticator, registry));
    }

    /** The address the listener of {@code region} is bound to (the actual port when 0 was asked). */
    public InetSocketAddress address(String region) {
        return engine.address(region);
    }

    /** Replaces the routing snapshot; requests already routed finish where they are. */
    public void update(RoutingTable table) {
        engine.update(table);
    }

    /** Replaces the authenticator for requests routed from now on. */
    public void authenticator(Authenticator authenticator) {
        engine.authenticator(authenticator);
    }

    /** Requests currently sent to each container and not yet answered completely (non-zero counts only). */
    public Map<String, Integer> inFlightByContainer() {
        return engine.inFlightByContainer();
    }

    /**
     * Per server id, the time-weighted mean number of in-flight requests since the previous harvest (or
     * the start), counting authorized requests sent to containers. Servers with no load in the window
     * are absent.
     */
    public CompletableFuture<Map<String, Double>> harvestLoad() {
        return engine.harvestLoad();
    }

    /** Stops the listeners, closes every connection and stops the event loops (waits a few seconds at most). */
    @Override
    public void close() {
        engine.close();
    }
}
