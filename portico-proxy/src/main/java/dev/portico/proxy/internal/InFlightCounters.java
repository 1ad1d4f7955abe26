package dev.portico.proxy.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-flight request counts per container id, shared by all event loops. The request path only touches
 * the {@link AtomicInteger}s (reached through {@link Target}); the map changes only on routing updates
 * and sweeps, under this object's monitor. A counter survives routing updates while its container stays
 * in the table, and is dropped once the container has left the table and its count is back to 0.
 */
public final class InFlightCounters {

    private final ConcurrentHashMap<String, AtomicInteger> byContainer = new ConcurrentHashMap<>();
    private Set<String> live = Set.of();

    /** The counter for a container of a table being compiled; callers hold this object's monitor. */
    synchronized AtomicInteger counter(String containerId) {
        return byContainer.computeIfAbsent(containerId, id -> new AtomicInteger());
    }

    /** Records the containers of the table just installed and drops idle counters of departed ones. */
    synchronized void live(Set<String> liveContainers) {
        live = liveContainers;
        sweep();
    }

    synchronized void sweep() {
        byContainer.entrySet().removeIf(e -> e.getValue().get() == 0 && !live.contains(e.getKey()));
    }

    /** Non-zero counts. */
    Map<String, Integer> snapshot() {
        sweep();
        Map<String, Integer> out = new HashMap<>();
        byContainer.forEach((id, count) -> {
            int n = count.get();
            if (n != 0) {
                out.put(id, n);
            }
        });
        return out;
    }
}
