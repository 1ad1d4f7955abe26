package dev.portico.proxy;

import static dev.portico.proxy.testing.ProxyFixture.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.proxy.testing.ProxyFixture;
import dev.portico.proxy.testing.RawClient;
import dev.portico.proxy.testing.TestBackend;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed and ambiguous requests, size limits, slow clients (DESIGN.md §3). */
class ProtectionTest {

    private static final String HOST = "main--app--hello.localhost";
    private final ProxyFixture fx = new ProxyFixture(Duration.ofMillis(300), Duration.ofSeconds(30));

    @AfterEach
    void close() throws Exception {
        fx.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nContent-Length: 5, 6\r\n\r\nhello!",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nContent-Length: -1\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: gzip\r\n\r\nhello",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.0\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
        "GET / HTTP/1.1\nHost: HOST\n\n",
        "GET / HTTP/1.1\r\nHost: HOST\nX-Bare: lf\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: HOST\r\nHost: other\r\n\r\n",
        "GET / HTTP/1.1\r\nX-No: host\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: HOST\r\nX-Bad\u0001Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: HOST\r\n Folded: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : HOST\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: HOST\r\n\r\n",
        "GET HOST:80 HTTP/1.1\r\nHost: HOST\r\n\r\n",
        "GET ftp://HOST/ HTTP/1.1\r\nHost: HOST\r\n\r\n",
        "GET http:///x HTTP/1.1\r\nHost: HOST\r\n\r\n",
        "GET http:/x HTTP/1.1\r\nHost: HOST\r\n\r\n",
        "GET http://HOST/ HTTP/1.1\r\nX-No: host\r\n\r\n",
    })
    void ambiguousOrMalformedRequestsAre400AndClose(String request) throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.send(request.replace("HOST", HOST));
        RawClient.Response response = client.read();
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("connection")).isEqualToIgnoringCase("close");
        assertThat(client.closedWithin(2_000)).isTrue();
        assertThat(a.requests).as("requests the container saw").isEmpty();
    }

    @Test
    void aBadChunkMidBodyAlsoDropsTheContainerConnection() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.send("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> fx.proxy.inFlightByContainer().containsKey("A"));
        client.send("zz\r\n");
        assertThat(client.read().status()).isEqualTo(400);
        assertThat(client.closedWithin(2_000)).isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void connectIsRefused() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient client = fx.client();
        client.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(405);
        assertThat(client.closedWithin(2_000)).isTrue();
    }

    @Test
    void tooLargeHeadIs431AndClose() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient client = fx.client();
        client.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "x".repeat(20_000) + "\r\n\r\n");
        assertThat(client.read().status()).isEqualTo(431);
        assertThat(client.closedWithin(2_000)).isTrue();

        RawClient many = fx.client();
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            headers.append("X-H").append(i).append(": value\r\n");
        }
        many.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n" + headers + "\r\n");
        assertThat(many.read().status()).isEqualTo(431);

        RawClient longLine = fx.client();
        longLine.send("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(longLine.read().status()).isEqualTo(414);
    }

    /**
     * Closing with unread input makes the kernel reset the connection and drop what it has not sent yet
     * (RFC 9112 §9.6): a malformed request pipelined behind a large response, read slowly, used to cut that
     * response short. The proxy closes gracefully: its answers first, then the end, however slow the client.
     */
    @Test
    void aMalformedRequestPipelinedBehindALargeResponseDoesNotCutIt() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.socket().setReceiveBufferSize(64 * 1024);
        int size = 8 * 1024 * 1024;
        client.send("GET /download?bytes=" + size + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "x".repeat(200_000) + "\r\n\r\n");
        readSlowly(client, size);
        assertThat(client.read().status()).isEqualTo(431);
        assertThat(client.closedWithin(2_000)).isTrue();
    }

    /**
     * After the response to a request that asked to close, the proxy processes nothing more from the
     * connection (RFC 9112 §9.6), and the client still gets all of that response while it keeps sending.
     */
    @Test
    void nothingAfterARequestToCloseReachesTheContainer() throws Exception {
        TestBackend a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
        RawClient client = fx.client();
        client.socket().setReceiveBufferSize(64 * 1024);
        int size = 8 * 1024 * 1024;
        client.send("GET /download?bytes=" + size + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n"
                + "POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 200000\r\n\r\n"
                + "x".repeat(200_000));
        readSlowly(client, size);
        assertThat(client.closedWithin(2_000)).isTrue();
        assertThat(a.paths()).containsExactly("/download");
    }

    /** A 200 response of {@code size} bytes, read 64 KiB at a time with pauses, so that the proxy's sends back up. */
    private static void readSlowly(RawClient client, int size) throws Exception {
        ForwardingTest.readHead(client.in);
        byte[] buf = new byte[64 * 1024];
        for (int left = size; left > 0; ) {
            int r = client.in.read(buf, 0, Math.min(buf.length, left));
            assertThat(r).isPositive();
            left -= r;
            Thread.sleep(1);
        }
    }

    @Test
    void aSlowlorisClientIsCutOffButAnIdleOneIsNot() throws Exception {
        fx.routes(route("main--app--hello", fx.backend("A")));
        RawClient slow = fx.client();
        RawClient idle = fx.client();
        slow.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n");
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) { // trickling bytes does not extend the deadline
            Thread.sleep(100);
            slow.send("X-Slow-" + i + ": 1\r\n");
        }
        assertThat(slow.closedWithin(2_000)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));

        // Silent for longer than the header-read timeout, but not in a request: still served.
        assertThat(idle.get(HOST, "/", "").text()).isEqualTo("A");
        // And after a response, the header timeout starts again only with the next head.
        Thread.sleep(600);
        assertThat(idle.get(HOST, "/", "").text()).isEqualTo("A");
        // A request in progress is not timed: a slow response is fine.
        assertThat(fx.client().get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (ProxyFixture short_ = new ProxyFixture(Duration.ofSeconds(5), Duration.ofMillis(300))) {
            short_.routes(route("main--app--hello", short_.backend("A")));
            RawClient client = short_.client();
            assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
            assertThat(client.closedWithin(2_000)).isTrue();
        }
    }
}
