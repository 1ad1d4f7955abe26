package dev.portico.bench;

import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import dev.portico.proxy.internal.InFlightCounters;
import dev.portico.proxy.internal.RouteEntry;
import dev.portico.proxy.internal.RoutingSnapshot;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The proxy's routing step ({@code Router}): {@link RoutingSnapshot#find} on the {@code Host} header
 * value, in a snapshot compiled from a table of {@value #ROUTES} routes, as {@code ProxyServer.update}
 * compiles it. Hosts are looked up in a shuffled order so that no single entry stays hot.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBench {

    static final int ROUTES = 1_000;
    private static final int MASK = 1023;

    RoutingSnapshot snapshot;
    /** Host header values as clients send them: label, domain and port, some in upper case. */
    final String[] hosts = new String[MASK + 1];
    final String[] unknownHosts = new String[MASK + 1];
    private int next;

    @Setup
    public void setup() {
        Map<String, Route> routes = new HashMap<>();
        for (int i = 0; i < ROUTES; i++) {
            String label = label(i);
            routes.put(label, new Route("server-" + i, "main", "us-east", i % 2 == 0,
                    List.of(new Endpoint("c" + i, new InetSocketAddress("127.0.0.1", 20_000 + i)))));
        }
        snapshot = RoutingSnapshot.compile(new RoutingTable(routes), new InFlightCounters(), new HashMap<>());
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i <= MASK; i++) {
            String label = label(random.nextInt(ROUTES));
            hosts[i] = (i % 8 == 0 ? label.toUpperCase() : label) + ".localhost:7080";
            unknownHosts[i] = "main--nosuch" + i + "--web.localhost:7080";
        }
    }

    /** A label of the usual shape, {@code env--app--server}. */
    static String label(int i) {
        return "main--app" + (i / 4) + "--" + new String[] {"web", "api", "worker", "ws"}[i % 4];
    }

    @Benchmark
    public RouteEntry routeKnownHost() {
        return snapshot.find(hosts[next++ & MASK]);
    }

    @Benchmark
    public RouteEntry routeUnknownHost() {
        return snapshot.find(unknownHosts[next++ & MASK]);
    }
}
