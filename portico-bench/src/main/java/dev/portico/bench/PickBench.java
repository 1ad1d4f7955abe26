package dev.portico.bench;

import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import dev.portico.proxy.internal.InFlightCounters;
import dev.portico.proxy.internal.Picker;
import dev.portico.proxy.internal.Rendezvous;
import dev.portico.proxy.internal.RoutingSnapshot;
import dev.portico.proxy.internal.Target;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The proxy's picking step ({@code Picker}): least in-flight over 4 ready containers (exact scan),
 * power of two choices over 32 (beyond {@code Picker.EXACT_LIMIT}), and rendezvous hashing of a
 * {@code Modal-Session-ID} over 3. Targets come from a compiled snapshot, with in-flight counts set
 * as under load (non-zero, so the exact scan does not stop early).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PickBench {

    private static final int MASK = 255;

    Target[] four;
    Target[] three;
    Target[] thirtyTwo;
    /** Session ids as clients send them (UUIDs). */
    final String[] sessions = new String[MASK + 1];
    private int next;

    @Setup
    public void setup() {
        Random random = new Random(42);
        Map<String, Route> routes = new HashMap<>();
        routes.put("main--app--four", route("four", 4));
        routes.put("main--app--three", route("three", 3));
        routes.put("main--app--many", route("many", 32));
        RoutingSnapshot snapshot = RoutingSnapshot.compile(
                new RoutingTable(routes), new InFlightCounters(), new HashMap<>());
        four = snapshot.find("main--app--four.localhost").targets;
        three = snapshot.find("main--app--three.localhost").targets;
        thirtyTwo = snapshot.find("main--app--many.localhost").targets;
        for (Target[] targets : List.of(four, three, thirtyTwo)) {
            for (Target t : targets) {
                t.inFlight.set(1 + random.nextInt(8));
            }
        }
        for (int i = 0; i <= MASK; i++) {
            sessions[i] = new UUID(random.nextLong(), random.nextLong()).toString();
        }
    }

    private static Route route(String server, int containers) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < containers; i++) {
            endpoints.add(new Endpoint(server + "-c" + i, new InetSocketAddress("10.213.0." + (i + 2), 8000)));
        }
        return new Route(server, "main", "us-east", true, endpoints);
    }

    @Benchmark
    public Target leastInFlight4() {
        return four[Picker.leastInFlight(four)];
    }

    @Benchmark
    public Target powerOfTwo32() {
        return thirtyTwo[Picker.leastInFlight(thirtyTwo)];
    }

    @Benchmark
    public Target rendezvous3() {
        return three[Rendezvous.pick(three, sessions[next++ & MASK])];
    }
}
