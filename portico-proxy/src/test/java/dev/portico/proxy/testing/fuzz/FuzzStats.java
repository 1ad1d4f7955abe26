package dev.portico.proxy.testing.fuzz;

import dev.portico.proxy.testing.fuzz.FuzzRequest.Kind;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of a fuzz run, shared by its connections: what was sent and how the proxy answered. */
public final class FuzzStats {

    private final Map<Kind, LongAdder> sent = new EnumMap<>(Kind.class);
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    final LongAdder connections = new LongAdder();
    /** Mutated or random requests whose connection ended without an answer (the proxy closed, or we did). */
    final LongAdder unanswered = new LongAdder();
    /** Connections reset, or closed mid-response, after a mutated or random request. */
    final LongAdder cut = new LongAdder();
    final LongAdder tunnels = new LongAdder();

    public FuzzStats() {
        for (Kind kind : Kind.values()) {
            sent.put(kind, new LongAdder());
        }
    }

    void sent(FuzzRequest request) {
        sent.get(request.kind()).increment();
    }

    void answered(int status) {
        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    public long requests() {
        return sent.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Mutated and random requests sent: the fuzz proper. */
    public long malformed() {
        return sent.get(Kind.MUTATED).sum() + sent.get(Kind.RANDOM).sum();
    }

    public long answers(int status) {
        LongAdder n = statuses.get(status);
        return n == null ? 0 : n.sum();
    }

    @Override
    public String toString() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((status, n) -> byStatus.put(status, n.sum()));
        return String.format("%d requests (%d valid, %d mutated, %d random) on %d connections; answers by status %s;"
                        + " %d mutated/random unanswered before a close, %d cut or reset, %d tunnels",
                requests(), sent.get(Kind.VALID).sum(), sent.get(Kind.MUTATED).sum(), sent.get(Kind.RANDOM).sum(),
                connections.sum(), byStatus, unanswered.sum(), cut.sum(), tunnels.sum());
    }
}
