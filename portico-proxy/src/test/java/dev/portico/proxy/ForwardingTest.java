package dev.portico.proxy;

import static dev.portico.proxy.testing.ProxyFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.proxy.testing.MemoryWatch;
import dev.portico.proxy.testing.ProxyFixture;
import dev.portico.proxy.testing.RawClient;
import dev.portico.proxy.testing.TestBackend;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Headers, keep-alive, streaming, backpressure, upgrade (DESIGN.md §3, "Forwarding"). */
class ForwardingTest {

    private static final String HOST = "main--app--hello.localhost:7080";
    private final ProxyFixture fx = new ProxyFixture();
    private TestBackend a;

    @BeforeEach
    void routes() throws Exception {
        a = fx.backend("A");
        fx.routes(route("main--app--hello", a));
    }

    @AfterEach
    void close() throws Exception {
        fx.close();
    }

    @Test
    void forwardedHeadersAreSetAndHopByHopHeadersRemoved() throws Exception {
        RawClient.Response response = fx.client().send("GET /headers HTTP/1.1\r\n"
                + "Host: Main--App--Hello.localhost:7080\r\n"
                + "Connection: keep-alive, X-Hop\r\n"
                + "X-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "TE: trailers\r\n"
                + "Proxy-Authorization: Basic eA==\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "Upgrade: h2c\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\n"
                + "X-Forwarded-Proto: https\r\n"
                + "X-Other: kept\r\n\r\n").read();
        assertThat(response.status()).isEqualTo(200);
        TestBackend.Request seen = a.requests.peek();
        assertThat(seen.header("host")).isEqualTo("Main--App--Hello.localhost:7080");
        assertThat(seen.header("x-forwarded-for")).isEqualTo("10.0.0.1, 127.0.0.1");
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.header("x-forwarded-host")).isEqualTo("Main--App--Hello.localhost:7080");
        assertThat(seen.header("x-other")).isEqualTo("kept");
        for (String gone : new String[] {"connection", "x-hop", "keep-alive", "te", "proxy-authorization",
                "proxy-connection", "upgrade"}) {
            assertThat(seen.header(gone)).as(gone).isNull();
        }
        assertThat(seen.version()).isEqualTo("HTTP/1.1");
    }

    @Test
    void hopByHopResponseHeadersAreRemoved() throws Exception {
        RawClient.Response response = fx.client().get(HOST, "/hop-response", "");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("x-kept")).isEqualTo("yes");
        for (String gone : new String[] {"connection", "x-resp-hop", "keep-alive", "proxy-authenticate"}) {
            assertThat(response.header(gone)).as(gone).isNull();
        }
    }

    @Test
    void oneClientConnectionManyRequestsOneContainerConnection() throws Exception {
        RawClient client = fx.client();
        for (int i = 0; i < 50; i++) {
            assertThat(client.get(HOST, "/n" + i, "").text()).isEqualTo("A");
        }
        assertThat(a.connections.get()).isEqualTo(1);
        // Pools are per event loop (2 here): later clients, one at a time, reuse at most one more.
        for (int i = 0; i < 10; i++) {
            try (RawClient other = new RawClient(fx.east())) {
                assertThat(other.get(HOST, "/", "").text()).isEqualTo("A");
            }
        }
        assertThat(a.connections.get()).isLessThanOrEqualTo(2);
    }

    /**
     * A burst of concurrent requests leaves as many pooled container connections, so that the next burst
     * opens none (the pool once kept 64 per event loop and closed the rest: at 1,000 connections the
     * proxy then opened a container connection for nearly every request).
     */
    @Test
    void concurrentRequestsReuseAsManyPooledContainerConnections() throws Exception {
        int n = 150; // 75 per event loop
        List<RawClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(fx.client());
        }
        for (int burst = 0; burst < 2; burst++) {
            for (RawClient client : clients) {
                client.send("GET /hold HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.holding.get() == n);
            a.release();
            for (RawClient client : clients) {
                assertThat(client.read().text()).isEqualTo("A");
            }
        }
        assertThat(a.connections.get()).isEqualTo(n);
    }

    /**
     * Real timing of the pool's idle limit (BackendPoolTest covers it in virtual time): a container
     * connection idle for longer than 1.5 s, below gunicorn's 2 s keep-alive timeout, is not reused, so
     * that the proxy never sends a request down a connection the container may be closing.
     */
    @Test
    void aContainerConnectionIdlePastThePoolTimeoutIsNotReused() throws Exception {
        RawClient client = fx.client(); // one client connection: one event loop, one pool
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        Thread.sleep(200);
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        assertThat(a.connections.get()).isEqualTo(1);

        Thread.sleep(2_000);
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        assertThat(a.connections.get()).isEqualTo(2);
    }

    @Test
    void headRequestsHaveNoBody() throws Exception {
        RawClient client = fx.client();
        client.send("HEAD / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        RawClient.Response head = client.read(true);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("content-length")).isEqualTo("1");
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    /**
     * A container that sends a body with its HEAD response (a common bug) may send it late, onto the next
     * exchange: the connection of a HEAD is never pooled.
     */
    @Test
    void theContainerConnectionOfAHeadRequestIsNotReused() throws Exception {
        RawClient client = fx.client();
        client.send("HEAD /upload HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"); // answers with a body
        assertThat(client.read(true).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openConnections() == 0);
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        assertThat(a.connections.get()).isEqualTo(2);
    }

    /**
     * A response whose Transfer-Encoding is not {@code chunked} alone gets 502, and its container
     * connection is dropped: given the same fields, the client could delimit the body otherwise.
     */
    @Test
    void aResponseWithAmbiguousTransferEncodingIs502() throws Exception {
        RawClient client = fx.client();
        assertThat(client.get(HOST, "/chunked-twice", "").status()).isEqualTo(502);
        assertThat(client.get(HOST, "/chunked", "").text()).isEqualTo("hello world");
        assertThat(a.connections.get()).isEqualTo(2);
    }

    /**
     * Bytes beyond a response's length, in the response's own read or after it, close the container
     * connection instead of being read as the next exchange's response.
     */
    @Test
    void bytesBeyondAResponseCloseTheContainerConnection() throws Exception {
        RawClient client = fx.client();
        for (String late : List.of("0", "1", "0", "1")) {
            assertThat(client.get(HOST, "/overrun?late=" + late, "").text()).isEqualTo("A");
            await().atMost(Duration.ofSeconds(5)).until(() -> a.openConnections() == 0);
            assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
        }
        // The first overrun's connection and each plain GET's (the next overrun takes it from the pool).
        assertThat(a.connections.get()).isEqualTo(5);
    }

    @Test
    void http10ClientsAreServedAsHttp10() throws Exception {
        RawClient plain = fx.client();
        plain.send("GET / HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(plain.read().text()).isEqualTo("A");
        assertThat(plain.closedWithin(2_000)).isTrue();

        RawClient keepAlive = fx.client();
        keepAlive.send("GET / HTTP/1.0\r\nHost: " + HOST + "\r\nConnection: keep-alive\r\n\r\n");
        RawClient.Response first = keepAlive.read();
        assertThat(first.header("connection")).isEqualToIgnoringCase("keep-alive");
        keepAlive.send("GET / HTTP/1.0\r\nHost: " + HOST + "\r\nConnection: keep-alive\r\n\r\n");
        assertThat(keepAlive.read().text()).isEqualTo("A");

        // A chunked response cannot go to an HTTP/1.0 client: the body is delimited by closing.
        RawClient chunked = fx.client();
        chunked.send("GET /chunked HTTP/1.0\r\nHost: " + HOST + "\r\nConnection: keep-alive\r\n\r\n");
        RawClient.Response response = chunked.read();
        assertThat(response.header("transfer-encoding")).isNull();
        assertThat(response.text()).isEqualTo("hello world");
    }

    @Test
    void chunkedResponsesStayChunkedForHttp11() throws Exception {
        RawClient client = fx.client();
        RawClient.Response response = client.get(HOST, "/chunked", "");
        assertThat(response.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(response.text()).isEqualTo("hello world");
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void pipelinedRequestsAreForwardedOneAtATimeAndAnsweredInOrder() throws Exception {
        RawClient client = fx.client();
        client.send("GET /hold HTTP/1.1\r\nHost: " + HOST + "\r\n\r\nGET /second HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holding.get() == 1);
        Thread.sleep(100);
        assertThat(a.paths()).containsExactly("/hold");
        a.release();
        assertThat(client.read().text()).isEqualTo("A");
        assertThat(client.read().text()).isEqualTo("A");
        assertThat(a.paths()).containsExactly("/hold", "/second");
    }

    @Test
    void expectContinueIsRelayed() throws Exception {
        RawClient client = fx.client();
        client.send("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        // The test backend does not send 100 itself: the client sends the body after a short wait, as curl does.
        Thread.sleep(50);
        client.send("hello");
        RawClient.Response response = client.read();
        assertThat(response.text()).isEqualTo("5");
    }

    /** A 200 MB upload streams through with the proxy's memory flat (see {@link MemoryWatch}: what is measured). */
    @Test
    void a200MbUploadIsStreamedNotAggregated() throws Exception {
        long size = 200L * 1024 * 1024;
        RawClient client = fx.client();
        client.send("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: " + size + "\r\n\r\n");
        AtomicLong sent = new AtomicLong();
        AtomicLong clientFinished = new AtomicLong();
        RawClient.Response response;
        MemoryWatch.Peak peak;
        try (MemoryWatch watch = MemoryWatch.start(sent::get, size)) {
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    byte[] block = new byte[64 * 1024];
                    Arrays.fill(block, (byte) 'x');
                    while (sent.get() < size) {
                        client.out.write(block);
                        sent.addAndGet(block.length);
                    }
                    client.out.flush();
                    clientFinished.set(System.nanoTime());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            response = client.read();
            sender.join();
            peak = watch.stop();
        }
        System.out.println("200 MB upload through the proxy: " + peak);
        assertThat(response.text()).isEqualTo(Long.toString(size));
        assertThat(a.firstUploadByteNanos).isPositive().isLessThan(clientFinished.get());
        assertFlat(peak);
    }

    /** A 200 MB download streams through with the proxy's memory flat (see {@link MemoryWatch}: what is measured). */
    @Test
    void a200MbDownloadIsStreamedNotAggregated() throws Exception {
        long size = 200L * 1024 * 1024;
        RawClient client = fx.client();
        client.send("GET /download?bytes=" + size + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        readHead(client.in);
        long firstByte = 0;
        AtomicLong received = new AtomicLong();
        MemoryWatch.Peak peak;
        try (MemoryWatch watch = MemoryWatch.start(received::get, size)) {
            byte[] buf = new byte[64 * 1024];
            while (received.get() < size) {
                int r = client.in.read(buf, 0, (int) Math.min(buf.length, size - received.get()));
                assertThat(r).isPositive();
                if (received.get() == 0) {
                    firstByte = System.nanoTime();
                }
                received.addAndGet(r);
            }
            peak = watch.stop();
        }
        System.out.println("200 MB download through the proxy: " + peak);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.downloadFinishedNanos != 0);
        assertThat(firstByte).isLessThan(a.downloadFinishedNanos);
        assertFlat(peak);
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    /** Memory growth far below the 200 MB transferred: the proxy held a few buffers at a time, not the body. */
    private static void assertFlat(MemoryWatch.Peak peak) {
        long flat = 32L * 1024 * 1024;
        assertThat(peak.heapSamples()).as("heap samples taken mid-transfer").isPositive();
        assertThat(peak.bufferBytes()).as("growth of the buffer memory held").isLessThan(flat);
        assertThat(peak.liveHeapBytes()).as("growth of the live heap").isLessThan(flat);
    }

    @Test
    void bodiesStreamBothWaysAtOnce() throws Exception {
        RawClient client = fx.client();
        client.send("POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        client.send("5\r\nfirst\r\n");
        readHead(client.in);
        // The echo of the first chunk comes back before the second is even sent.
        assertThat(readChunk(client.in)).isEqualTo("first");
        client.send("6\r\nsecond\r\n");
        assertThat(readChunk(client.in)).isEqualTo("second");
        client.send("0\r\n\r\n");
        assertThat(readChunk(client.in)).isEmpty();
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void aSlowClientMakesTheProxyStopReadingTheContainer() throws Exception {
        long size = 200L * 1024 * 1024;
        RawClient client = fx.client();
        client.socket().setReceiveBufferSize(64 * 1024);
        client.send("GET /download?bytes=" + size + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        readHead(client.in);
        // Stop reading: what the container managed to write levels off far below the size.
        long previous = -1;
        long written = a.downloadWritten.get();
        for (int i = 0; i < 50 && written != previous; i++) {
            Thread.sleep(200);
            previous = written;
            written = a.downloadWritten.get();
        }
        assertThat(written).isEqualTo(previous).isLessThan(size / 4);
        // Reading again, everything arrives.
        long received = 0;
        byte[] buf = new byte[256 * 1024];
        while (received < size) {
            int r = client.in.read(buf, 0, (int) Math.min(buf.length, size - received));
            assertThat(r).isPositive();
            received += r;
        }
        assertThat(client.get(HOST, "/", "").text()).isEqualTo("A");
    }

    @Test
    void upgradeTunnelsRawBytesBothWays() throws Exception {
        RawClient client = fx.client();
        client.send("GET /upgrade HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
        RawClient.Response switched = client.read();
        assertThat(switched.status()).isEqualTo(101);
        assertThat(switched.header("upgrade")).isEqualTo("echo");
        assertThat(switched.header("connection")).isEqualToIgnoringCase("upgrade");
        TestBackend.Request seen = a.requests.peek();
        assertThat(seen.header("upgrade")).isEqualTo("echo");
        assertThat(seen.header("connection")).isEqualToIgnoringCase("upgrade");

        client.send("ping-1");
        assertThat(new String(client.in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("ping-1");
        byte[] big = new byte[4 * 1024 * 1024];
        Arrays.fill(big, (byte) 'z');
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            try {
                client.out.write(big);
                client.out.flush();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(client.in.readNBytes(big.length)).isEqualTo(big);
        sender.join();
        assertThat(fx.proxy.inFlightByContainer()).containsEntry("A", 1);
        client.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
    }

    @Test
    void aClientLeavingMidRequestClosesTheContainerConnection() throws Exception {
        RawClient client = fx.client();
        client.send("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 1000000\r\n\r\n");
        client.out.write(new byte[100_000]);
        client.out.flush();
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().containsKey("A"));
        client.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.inFlightByContainer().isEmpty());
        // The container connection was dropped, not pooled: the next request opens a new one.
        assertThat(fx.client().get(HOST, "/", "").text()).isEqualTo("A");
        assertThat(a.connections.get()).isEqualTo(2);
    }

    static void readHead(InputStream in) throws Exception {
        String line;
        String status = null;
        while (!(line = readLine(in)).isEmpty()) {
            if (status == null) {
                status = line;
            }
        }
        assertThat(status).startsWith("HTTP/1.1 200");
    }

    static String readChunk(InputStream in) throws Exception {
        int size = Integer.parseInt(readLine(in).trim(), 16);
        String chunk = new String(in.readNBytes(size), StandardCharsets.US_ASCII);
        assertThat(readLine(in)).isEmpty();
        return chunk;
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            assertThat(b).isNotNegative();
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
