package dev.portico.proxy.testing.fuzz;

import dev.portico.proxy.testing.fuzz.FuzzRequest.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What one fuzz connection does: up to two valid requests, then maybe a mutated or random one, sent one
 * at a time (the next once the previous is answered, keep-alive) or all at once (pipelined), then an
 * ending. Drawn from the connection's own {@link Random}, seeded from the run's seed and the connection's
 * index, so that a connection replays alike whatever the others do.
 *
 * @param awaitAnswer wait briefly for an answer to the last request before half-closing, so that answers
 *     the proxy takes a moment to give (from the container) are seen too
 */
public record ConnectionPlan(int index, List<FuzzRequest> requests, boolean pipelined, boolean awaitAnswer,
                             Ending ending) {

    public enum Ending {
        /** Shut down the output and read to the end: whatever the proxy still sends, then its close. */
        HALF_CLOSE,
        /** Close right after sending the last request, without reading its answer. */
        CLOSE,
        /** As {@link #CLOSE}, with a reset. */
        RESET
    }

    /** The first draws of a plan, which fix how many requests it sends. */
    private record Shape(int valid, Kind last) {
        static Shape draw(Random rnd) {
            int valid = rnd.nextInt(3);
            int r = rnd.nextInt(10);
            Kind last = r < 7 ? Kind.MUTATED : r < 9 ? Kind.RANDOM : null;
            return new Shape(last == null ? Math.max(valid, 1) : valid, last);
        }

        int size() {
            return valid + (last == null ? 0 : 1);
        }
    }

    /** How many mutated or random requests connection {@code index} of the run with {@code seed} sends (0 or 1). */
    public static int malformed(long seed, int index) {
        return Shape.draw(random(seed, index)).last == null ? 0 : 1;
    }

    public static ConnectionPlan of(long seed, int index) {
        Random rnd = random(seed, index);
        Shape shape = Shape.draw(rnd);
        List<FuzzRequest> requests = new ArrayList<>(shape.size());
        for (int i = 0; i < shape.valid; i++) {
            requests.add(RequestGenerator.valid(rnd, shape.last == null && i == shape.valid - 1));
        }
        if (shape.last == Kind.MUTATED) {
            requests.add(RequestGenerator.mutated(rnd));
        } else if (shape.last == Kind.RANDOM) {
            requests.add(RequestGenerator.random(rnd));
        }
        boolean pipelined = requests.size() > 1 && rnd.nextInt(5) == 0;
        int e = rnd.nextInt(20);
        Ending ending = e < 15 ? Ending.HALF_CLOSE : e < 18 ? Ending.CLOSE : Ending.RESET;
        return new ConnectionPlan(index, List.copyOf(requests), pipelined, rnd.nextBoolean(), ending);
    }

    /** The requests' labels and how they are sent. */
    @Override
    public String toString() {
        return requests.stream().map(FuzzRequest::label).toList() + (pipelined ? ", pipelined" : ", one at a time")
                + (awaitAnswer ? ", awaiting an answer to the last" : "") + ", then " + ending;
    }

    /** Seeds of neighbouring connections mixed apart (SplitMix64), as {@link Random} keeps nearby seeds alike. */
    private static Random random(long seed, int index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }
}
