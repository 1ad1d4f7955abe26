package dev.portico.bench;

import dev.portico.api.routing.Authenticator;
import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import dev.portico.proxy.ProxyConfig;
import dev.portico.proxy.ProxyServer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Runs the proxy for bench/proxy.sh (not a test): {@code BenchProxy LISTEN_PORT BACKEND_PORT [THREADS]}
 * routes Host {@code bench.*} to 127.0.0.1:BACKEND_PORT, without authentication, and prints
 * {@code ready} once listening. See MACHINE-NOTES.md ("Load testing") for how to compare it with nginx.
 */
public final class BenchProxy {

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        int backend = Integer.parseInt(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        ProxyServer proxy = ProxyServer.start(
                ProxyConfig.of(Map.of("us-east", new InetSocketAddress("127.0.0.1", listen)), threads),
                serverId -> {}, Authenticator.denyAll());
        proxy.update(new RoutingTable(Map.of("bench", new Route("bench", "main", "us-east", true,
                List.of(new Endpoint("c1", new InetSocketAddress("127.0.0.1", backend)))))));
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
        System.out.println("ready: " + proxy.address("us-east"));
        Thread.currentThread().join();
    }
}
