package dev.portico.proxy;

import dev.portico.api.routing.Authenticator;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.Endpoint;
import static dev.portico.proxy.testing.ProxyFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.proxy.testing.ProxyFixture;
import dev.portico.proxy.testing.RawClient;
import dev.portico.proxy.testing.TestBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Container failures, load accounting, lifecycle. */
class FailureAndLoadTest {

    private final ProxyFixture fx = new ProxyFixture();

    @AfterEach
    void close() throws Exception {
        fx.close();
    }

    @Test
    void aFailingContainerGets502ForThatRequestOnly() throws Exception {
        TestBackend a = fx.backend("A");
        TestBackend b = fx.backend("B");
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        fx.routes(route("main--app--one", a), route("main--app--two", b),
                new Route("main--app--three", ProxyFixture.ENV, ProxyFixture.EAST, true, List.of(
                        new Endpoint("gone", new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort)))));
        RawClient slow = fx.client();
        slow.send("GET /hold HTTP/1.1\r\nHost: main--app--two\r\n\r\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.holding.get() == 1);

        RawClient client = fx.client();
        assertThat(client.get("main--app--one", "/reset", "").status()).isEqualTo(502);
        assertThat(client.get("main--app--three", "/", "").status()).isEqualTo(502);
        assertThat(client.get("main--app--one", "/", "").text()).isEqualTo("A"); // same connection, still fine
        // Closed after part of the response went out: the client connection is closed too.
        client.send("GET /close-mid HTTP/1.1\r\nHost: main--app--one\r\n\r\n");
        assertThatThrownBy(client::read).isInstanceOf(IOException.class);

        b.release();
        assertThat(slow.read().text()).isEqualTo("B");
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void aRefusedConnectSendsTheRequestToTheNextReadyContainer() throws Exception {
        TestBackend a = fx.backend("A");
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        Endpoint dead = new Endpoint("gone", new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort));
        fx.routes(new Route("main--app--one", ProxyFixture.ENV, ProxyFixture.EAST, true,
                List.of(dead, new Endpoint(a.id, a.address()))));
        // Least in flight favours the dead container (nothing ever stays in flight on it).
        RawClient client = fx.client();
        for (int i = 0; i < 20; i++) {
            assertThat(client.get("main--app--one", "/", "").text()).isEqualTo("A");
            client.send("POST /upload HTTP/1.1\r\nHost: main--app--one\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(client.read().text()).isEqualTo("5");
        }
        // With every container gone, the request gets its 502.
        fx.routes(new Route("main--app--one", ProxyFixture.ENV, ProxyFixture.EAST, true, List.of(dead, dead)));
        assertThat(client.get("main--app--one", "/", "").status()).isEqualTo(502);
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void harvestLoadIsTheTimeWeightedMeanInFlight() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a), route("main--app--idle", fx.backend("B")));
        int n = 4;
        List<RawClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RawClient client = fx.client();
            client.send("GET /hold HTTP/1.1\r\nHost: main--app--hello\r\n\r\n");
            clients.add(client);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holding.get() == n);
        fx.proxy.harvestLoad().join(); // starts a window with n in flight
        Thread.sleep(500);
        assertThat(fx.proxy.inFlightByContainer()).isEqualTo(Map.of("A", n));
        Map<String, Double> load = fx.proxy.harvestLoad().join();
        assertThat(load.keySet()).containsExactly("main--app--hello");
        assertThat(load.get("main--app--hello")).isBetween(0.5 * n, 1.2 * n);

        // Half the window with n in flight, half with none: about n / 2.
        Thread.sleep(300);
        a.release();
        for (RawClient client : clients) {
            assertThat(client.read().text()).isEqualTo("A");
        }
        Thread.sleep(300);
        double half = fx.proxy.harvestLoad().join().get("main--app--hello");
        assertThat(half).isBetween(0.25 * n, 0.75 * n);
        Thread.sleep(100);
        assertThat(fx.proxy.harvestLoad().join()).isEmpty();
        assertThat(fx.proxy.inFlightByContainer()).isEmpty();
    }

    @Test
    void inFlightCountsSurviveRoutingUpdates() throws Exception {
        TestBackend a = fx.backend("A");
        TestBackend b = fx.backend("B");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.send("GET /hold HTTP/1.1\r\nHost: main--app--hello\r\n\r\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holding.get() == 1);
        fx.routes(route("main--app--hello", a, b)); // A keeps its count: the next request goes to B
        assertThat(fx.proxy.inFlightByContainer()).isEqualTo(Map.of("A", 1));
        assertThat(fx.client().get("main--app--hello", "/", "").text()).isEqualTo("B");
        fx.routes(route("main--app--hello", b)); // A leaves the table while busy: its request finishes
        assertThat(fx.proxy.inFlightByContainer()).isEqualTo(Map.of("A", 1));
        a.release();
        assertThat(client.read().text()).isEqualTo("A");
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void startFailsCleanlyWhenAListenerCannotBind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            ProxyConfig config = ProxyConfig.of(Map.of("us-east", address), 1);
            assertThatThrownBy(() -> ProxyServer.start(config, id -> {}, Authenticator.denyAll()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("us-east");
        }
    }

    @Test
    void closeStopsListeningAndClosesConnections() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        InetSocketAddress address = fx.east();
        RawClient client = fx.client();
        assertThat(client.get("main--app--hello", "/", "").text()).isEqualTo("A");
        fx.proxy.close();
        assertThat(client.closedWithin(2_000)).isTrue();
        assertThatThrownBy(() -> new RawClient(address)).isInstanceOf(IOException.class);
        assertThat(fx.proxy.harvestLoad().join()).isEmpty();
    }
}
