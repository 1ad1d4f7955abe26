package dev.portico.proxy.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Time-weighted in-flight requests per server, for one event loop (confined to its thread: no locks,
 * no atomics). Each server accumulates the integral of its in-flight count over time; a harvest returns
 * the integrals and starts new ones.
 */
final class LoadMeter {

    /** One server's in-flight count on this loop and the integral of it since the last harvest. */
    static final class ServerLoad {
        final ProxyMetrics.ServerMeters meters;
        int inFlight;
        long lastChangeNanos;
        /** Sum of inFlight × nanoseconds. */
        long integral;

        ServerLoad(ProxyMetrics.ServerMeters meters) {
            this.meters = meters;
        }

        void advance(long now) {
            integral += inFlight * (now - lastChangeNanos);
            lastChangeNanos = now;
        }
    }

    private final HashMap<String, ServerLoad> loads = new HashMap<>();
    private final ProxyMetrics metrics;
    private long lastHarvestNanos = System.nanoTime();

    LoadMeter(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /** A request for {@code serverId} was sent to a container; returns the handle to give to {@link #end}. */
    ServerLoad begin(String serverId, long now) {
        ServerLoad load = loads.get(serverId);
        if (load == null) {
            load = new ServerLoad(metrics.forServer(serverId));
            load.lastChangeNanos = now;
            loads.put(serverId, load);
        } else {
            load.advance(now);
        }
        load.inFlight++;
        load.meters.inFlight.incrementAndGet();
        return load;
    }

    /** That request's response completed, or its exchange failed. */
    void end(ServerLoad load, long now) {
        load.advance(now);
        load.inFlight--;
        load.meters.inFlight.decrementAndGet();
    }

    /** Per server, the time-weighted mean in-flight count since the previous harvest; resets the integrals. */
    Map<String, Double> harvest() {
        long now = System.nanoTime();
        long window = now - lastHarvestNanos;
        lastHarvestNanos = now;
        Map<String, Double> out = new HashMap<>();
        for (Iterator<Map.Entry<String, ServerLoad>> it = loads.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ServerLoad> e = it.next();
            ServerLoad load = e.getValue();
            load.advance(now);
            if (load.integral != 0 && window > 0) {
                out.put(e.getKey(), (double) load.integral / window);
            }
            load.integral = 0;
            if (load.inFlight == 0) {
                // No exchange holds it (holders keep inFlight above 0): safe to forget.
                it.remove();
            }
        }
        return out;
    }
}
