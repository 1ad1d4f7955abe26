package dev.portico.control.autoscale;

import dev.portico.api.AutoscalerSettings;
import dev.portico.control.ServerKey;
import dev.portico.control.autoscale.AutoscalerPolicy.Decision;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each server's recent wanted counts and asks {@link AutoscalerPolicy} for decisions. Holds
 * no more history than the longer of a server's two windows. Thread-safe.
 */
public final class Autoscaler {

    /** What {@code portico server list} shows of a server's autoscaling. */
    public record Status(double load, Decision decision) {}

    /** Everything the autoscaler keeps of one server: one map lookup per server per tick. */
    private static final class ServerState {
        final History history = new History();
        double load;
        Decision decision;
    }

    private final Map<ServerKey, ServerState> servers = new HashMap<>();

    /** Records one tick's load (time-weighted mean in-flight requests, summed over proxies). */
    public synchronized void record(ServerKey key, double load, AutoscalerSettings settings, Instant now) {
        ServerState state = state(key);
        state.load = load;
        add(state, AutoscalerPolicy.wanted(load, settings), settings, now);
    }

    /** A request found no ready container: demand of at least one, at once. */
    public synchronized void coldStart(ServerKey key, AutoscalerSettings settings, Instant now) {
        add(state(key), Math.max(1, AutoscalerPolicy.wanted(0, settings)), settings, now);
    }

    /**
     * Decides a server's desired count from its history and its previous decision.
     *
     * @param live containers that count as capacity now: the starting point before any decision
     */
    public synchronized Decision decide(ServerKey key, AutoscalerSettings settings, int live, Instant now) {
        ServerState state = state(key);
        int previous = state.decision == null ? live : state.decision.desired();
        state.decision = AutoscalerPolicy.decide(settings, state.history, previous, now.toEpochMilli());
        return state.decision;
    }

    public synchronized Status status(ServerKey key) {
        ServerState state = servers.get(key);
        return state == null ? null : new Status(state.load, state.decision);
    }

    /** Drops the state of servers that no longer exist. */
    public synchronized void retain(Set<ServerKey> live) {
        servers.keySet().retainAll(live);
    }

    private ServerState state(ServerKey key) {
        ServerState state = servers.get(key);
        if (state == null) {
            state = new ServerState();
            servers.put(key, state);
        }
        return state;
    }

    private static void add(ServerState state, int wanted, AutoscalerSettings settings, Instant now) {
        long horizon = now.toEpochMilli()
                - (Math.max(settings.scaleupWindow(), settings.scaledownWindow()) + 1L) * 1000L;
        state.history.add(now.toEpochMilli(), wanted, horizon);
    }
}
