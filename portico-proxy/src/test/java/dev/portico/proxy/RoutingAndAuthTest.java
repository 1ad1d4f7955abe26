package dev.portico.proxy;

import dev.portico.api.routing.Authenticator;
import dev.portico.api.routing.RoutingTable;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.Endpoint;
import static dev.portico.proxy.testing.ProxyFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.proxy.testing.ProxyFixture;
import dev.portico.proxy.testing.RawClient;
import dev.portico.proxy.testing.TestBackend;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing by Host, regions, authentication, picking a container (DESIGN.md §3). */
class RoutingAndAuthTest {

    private static final String HOST = "main--app--hello.localhost:7080";
    private final ProxyFixture fx = new ProxyFixture();

    @AfterEach
    void close() throws Exception {
        fx.close();
    }

    @Test
    void unknownHostIs404AndTheConnectionStaysUsable() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        RawClient.Response response = client.get("nope.localhost", "/", "");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.header("content-length")).isEqualTo(String.valueOf(response.body().length));
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        // A refused request's body is skipped, not taken for the next request.
        client.send("POST / HTTP/1.1\r\nHost: nope\r\nContent-Length: 10\r\n\r\n0123456789");
        assertThat(client.read().status()).isEqualTo(404);
        assertThat(client.get(HOST, "/", "").status()).isEqualTo(200);
        assertThat(a.requests).hasSize(2);
    }

    @Test
    void beforeTheFirstRoutingTableEveryHostIs503NotUnknown() throws Exception {
        RawClient client = fx.client();
        assertThat(client.get("main--app--hello", "/", "").status()).isEqualTo(503);
        fx.routes();
        assertThat(client.get("main--app--hello", "/", "").status()).isEqualTo(404);
    }

    @Test
    void answersOfTheProxyAndOfContainersCarryADate() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient client = fx.client();
        for (String host : List.of("main--app--hello", "main--app--unknown")) {
            String date = client.get(host, "/", "").header("date");
            assertThat(date).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
            assertThat(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())
                    .isBetween(Instant.now().minusSeconds(5), Instant.now().plusSeconds(1));
        }
    }

    @Test
    void hostLabelIsCaseInsensitiveAndIgnoresDomainAndPort() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient client = fx.client();
        for (String host : List.of("main--app--hello", "MAIN--App--Hello.localhost", "main--app--hello:7080",
                "main--app--hello.example.com:80")) {
            assertThat(client.get(host, "/", "").text()).as(host).isEqualTo("A");
        }
    }

    /**
     * RFC 9112 §3.2.2: the host of an absolute-form target, not Host, names the server (and its token
     * would be checked against that one); the container gets a path and that host.
     */
    @Test
    void anAbsoluteTargetIsRoutedByItsHostAndForwardedAsAPath() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.send("GET http://user@main--app--hello.localhost:7080/headers?x=1 HTTP/1.1\r\n"
                + "Host: main--app--other\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(200);
        TestBackend.Request seen = a.requests.peek();
        assertThat(seen.target()).isEqualTo("/headers?x=1");
        assertThat(seen.header("host")).isEqualTo("main--app--hello.localhost:7080");
        assertThat(seen.header("x-forwarded-host")).isEqualTo("main--app--hello.localhost:7080");

        client.send("GET HTTP://main--app--other.localhost HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(404);
        client.send("OPTIONS * HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(200);
        // HTTP/1.0 may leave Host out: the target's host routes it.
        client.send("GET https://main--app--hello.localhost HTTP/1.0\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(200);
        assertThat(a.paths()).containsExactly("/headers", "*", "/");
    }

    @Test
    void serverOfAnotherRegionIs421() throws Exception {
        fx.routes(route("main--app--hello", ProxyFixture.WEST, true, fx.backend("A")));
        assertThat(fx.client().get(HOST, "/", "").status()).isEqualTo(421);
        assertThat(fx.client(fx.proxy.address(ProxyFixture.WEST)).get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void noReadyContainerIs503AndAsksForOne() throws Exception {
        fx.routes(route("main--app--hello"));
        RawClient client = fx.client();
        RawClient.Response response = client.get(HOST, "/", "");
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.text()).isEqualTo("no ready container\n");
        assertThat(fx.noReadyContainer).containsExactly("main--app--hello");
        assertThat(client.get(HOST, "/", "").status()).isEqualTo(503);
        assertThat(fx.noReadyContainer).hasSize(2);
        // Once a container is ready, the same connection reaches it.
        fx.routes(route("main--app--hello", fx.backend("A")));
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void authenticationIsCheckedAndCredentialsNeverReachTheContainer() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", ProxyFixture.EAST, false, a));
        RawClient client = fx.client();
        fx.proxy.harvestLoad().join();
        assertThat(client.get(HOST, "/headers", "").status()).isEqualTo(401);
        assertThat(client.get(HOST, "/headers", "Modal-Key: k1\r\n").status()).isEqualTo(401);
        assertThat(client.get(HOST, "/headers", "Modal-Key: k1\r\nModal-Secret: wrong\r\n").status()).isEqualTo(401);
        assertThat(client.get(HOST, "/headers", "Modal-Key: k2\r\nModal-Secret: s2\r\n").status()).isEqualTo(403);
        assertThat(a.requests).isEmpty();
        assertThat(fx.proxy.harvestLoad().join()).doesNotContainKey("main--app--hello");

        RawClient.Response allowed = client.get(HOST, "/headers", "Modal-Key: k1\r\nModal-Secret: s1\r\n");
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.text().toLowerCase()).doesNotContain("modal-key").doesNotContain("modal-secret");
        assertThat(a.requests).hasSize(1);

        // Swapping the authenticator takes effect for the next request.
        fx.proxy.authenticator(Authenticator.denyAll());
        assertThat(client.get(HOST, "/headers", "Modal-Key: k1\r\nModal-Secret: s1\r\n").status()).isEqualTo(401);
    }

    @Test
    void acceptsTheWireModelsRoutingTypes() throws Exception {
        TestBackend a = fx.backend("A");
        fx.proxy.update(new RoutingTable(Map.of("main--app--hello",
                new Route("main--app--hello", ProxyFixture.ENV, ProxyFixture.EAST, false,
                        List.of(new Endpoint("A", a.address()))))));
        Authenticator onlyK1 = (key, secret, env) -> "k1".equals(key)
                ? Authenticator.Decision.ALLOW
                : Authenticator.Decision.FORBIDDEN;
        fx.proxy.authenticator(onlyK1);
        RawClient client = fx.client();
        assertThat(client.get(HOST, "/", "Modal-Key: k1\r\n").text()).isEqualTo("A");
        assertThat(client.get(HOST, "/", "Modal-Key: k2\r\n").status()).isEqualTo(403);
    }

    @Test
    void unauthenticatedServersStillNeverSeeCredentials() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient.Response response = fx.client().get(HOST, "/headers", "Modal-Key: k1\r\nModal-Secret: s1\r\n");
        assertThat(response.text().toLowerCase()).doesNotContain("modal-");
    }

    @Test
    void concurrentRequestsGoToTheLeastBusyContainer() throws Exception {
        TestBackend a = fx.backend("A");
        TestBackend b = fx.backend("B");
        fx.routes(route("main--app--hello", a, b));
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            RawClient client = fx.client();
            client.send("GET /hold HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            int expected = i;
            await().atMost(Duration.ofSeconds(5)).until(() -> a.holding.get() + b.holding.get() == expected);
            answers.add(CompletableFuture.supplyAsync(() -> readText(client)));
        }
        assertThat(a.holding.get()).isEqualTo(2);
        assertThat(b.holding.get()).isEqualTo(2);
        assertThat(fx.proxy.inFlightByContainer()).isEqualTo(Map.of("A", 2, "B", 2));
        a.release();
        b.release();
        assertThat(answers.stream().map(CompletableFuture::join)).containsExactlyInAnyOrder("A", "A", "B", "B");
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void sessionsStickToOneContainer() throws Exception {
        TestBackend[] backends = {fx.backend("A"), fx.backend("B"), fx.backend("C")};
        fx.routes(route("main--app--hello", backends));
        RawClient client = fx.client();
        Set<String> used = new HashSet<>();
        for (int s = 0; s < 20; s++) {
            String header = "Modal-Session-ID: session-" + s + "\r\n";
            String first = client.get(HOST, "/", header).text();
            for (int i = 0; i < 3; i++) {
                assertThat(client.get(HOST, "/", header).text()).isEqualTo(first);
            }
            used.add(first);
        }
        assertThat(used).hasSizeGreaterThanOrEqualTo(2);

        // Another proxy replica agrees, and dropping another container does not move a session.
        String chosen = client.get(HOST, "/", "Modal-Session-ID: session-0\r\n").text();
        try (ProxyFixture replica = new ProxyFixture()) {
            replica.routes(route("main--app--hello", backends));
            assertThat(replica.client().get(HOST, "/", "Modal-Session-ID: session-0\r\n").text()).isEqualTo(chosen);
            TestBackend[] others = java.util.Arrays.stream(backends)
                    .filter(b -> b.id.equals(chosen) || b.id.equals(otherThan(chosen))).toArray(TestBackend[]::new);
            replica.routes(route("main--app--hello", others));
            assertThat(replica.client().get(HOST, "/", "Modal-Session-ID: session-0\r\n").text()).isEqualTo(chosen);
        }
    }

    private static String otherThan(String id) {
        return id.equals("A") ? "B" : "A";
    }

    static String readText(RawClient client) {
        try {
            return client.read().text();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
