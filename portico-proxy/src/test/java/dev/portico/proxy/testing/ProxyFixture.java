package dev.portico.proxy.testing;

import dev.portico.api.routing.Authenticator;
import dev.portico.api.routing.Endpoint;
import dev.portico.proxy.ProxyConfig;
import dev.portico.proxy.ProxyServer;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A proxy with a us-east and a us-west listener on loopback, test backends, and a recording load sink. */
public final class ProxyFixture implements AutoCloseable {

    public static final String EAST = "us-east";
    public static final String WEST = "us-west";
    public static final String ENV = "main";

    /** Key k1/s1 is valid for environment main; k2/s2 is valid but scoped to another environment. */
    public static final Authenticator AUTH = (key, secret, environment) -> {
        if ("k1".equals(key) && "s1".equals(secret)) {
            return ENV.equals(environment) ? Authenticator.Decision.ALLOW : Authenticator.Decision.FORBIDDEN;
        }
        if ("k2".equals(key) && "s2".equals(secret)) {
            return Authenticator.Decision.FORBIDDEN;
        }
        return Authenticator.Decision.UNAUTHORIZED;
    };

    public final ProxyServer proxy;
    public final List<String> noReadyContainer = new CopyOnWriteArrayList<>();
    private final List<TestBackend> backends = new ArrayList<>();
    private final List<RawClient> clients = new ArrayList<>();

    public ProxyFixture() {
        this(Duration.ofSeconds(10), Duration.ofMinutes(5));
    }

    public ProxyFixture(Duration headerReadTimeout, Duration idleTimeout) {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ProxyConfig config = new ProxyConfig(Map.of(EAST, any, WEST, any), 2, 16 * 1024, headerReadTimeout, idleTimeout);
        proxy = ProxyServer.start(config, noReadyContainer::add, AUTH);
    }

    public InetSocketAddress east() {
        return proxy.address(EAST);
    }

    public TestBackend backend(String id) throws IOException {
        TestBackend backend = new TestBackend(id);
        backends.add(backend);
        return backend;
    }

    public RawClient client() throws IOException {
        return client(east());
    }

    public RawClient client(InetSocketAddress address) throws IOException {
        RawClient client = new RawClient(address);
        clients.add(client);
        return client;
    }

    /** A route in us-east, environment main, without authentication, to the given backends. */
    public static Route route(String serverId, TestBackend... backends) {
        return route(serverId, EAST, true, backends);
    }

    public static Route route(String serverId, String region, boolean unauthenticated, TestBackend... backends) {
        List<Endpoint> endpoints = Arrays.stream(backends).map(b -> new Endpoint(b.id, b.address())).toList();
        return new Route(serverId, ENV, region, unauthenticated, endpoints);
    }

    public void routes(Route... routes) {
        Map<String, Route> map = new LinkedHashMap<>();
        for (Route route : routes) {
            map.put(route.serverId(), route);
        }
        proxy.update(new RoutingTable(map));
    }

    @Override
    public void close() throws IOException {
        for (RawClient client : clients) {
            client.close();
        }
        proxy.close();
        for (TestBackend backend : backends) {
            backend.close();
        }
    }
}
