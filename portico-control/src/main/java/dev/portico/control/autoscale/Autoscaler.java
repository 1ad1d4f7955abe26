package dev.portico.control.autoscale;

import dev.portico.api.AutoscalerSettings;
import dev.portico.control.ServerKey;
import dev.portico.control.autoscale.AutoscalerPolicy.Decision;
import dev.portico.control.autoscale.AutoscalerPolicy.Sample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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

    private final Map<ServerKey, ArrayDeque<Sample>> history = new HashMap<>();
    private final Map<ServerKey, Status> status = new HashMap<>();

    /** Records one tick's load (time-weighted mean in-flight requests, summed over proxies). */
    public synchronized void record(ServerKey key, double load, AutoscalerSettings settings, Instant now) {
        add(key, new Sample(now, AutoscalerPolicy.wanted(load, settings)), settings, now);
        Status previous = status.get(key);
        status.put(key, new Status(load, previous == null ? null : previous.decision()));
    }

    /** A request found no ready container: demand of at least one, at once. */
    public synchronized void coldStart(ServerKey key, AutoscalerSettings settings, Instant now) {
        add(key, new Sample(now, Math.max(1, AutoscalerPolicy.wanted(0, settings))), settings, now);
    }

    /**
     * Decides a server's desired count from its history and its previous decision.
     *
     * @param live containers that count as capacity now: the starting point before any decision
     */
    public synchronized Decision decide(ServerKey key, AutoscalerSettings settings, int live, Instant now) {
        Status previous = status.get(key);
        int previousDesired = previous == null || previous.decision() == null ? live : previous.decision().desired();
        Decision decision = AutoscalerPolicy.decide(settings, history.getOrDefault(key, new ArrayDeque<>()),
                previousDesired, now);
        status.put(key, new Status(previous == null ? 0 : previous.load(), decision));
        return decision;
    }

    public synchronized Status status(ServerKey key) {
        return status.get(key);
    }

    /** Drops the history of servers that no longer exist. */
    public synchronized void retain(Set<ServerKey> live) {
        history.keySet().retainAll(live);
        status.keySet().retainAll(live);
    }

    private void add(ServerKey key, Sample sample, AutoscalerSettings settings, Instant now) {
        ArrayDeque<Sample> samples = history.computeIfAbsent(key, k -> new ArrayDeque<>());
        samples.addLast(sample);
        Instant horizon = now.minus(Duration.ofSeconds(
                Math.max(settings.scaleupWindow(), settings.scaledownWindow()) + 1L));
        while (!samples.isEmpty() && samples.peekFirst().at().isBefore(horizon)) {
            samples.removeFirst();
        }
    }
}
