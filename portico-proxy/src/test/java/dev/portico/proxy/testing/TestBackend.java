package dev.portico.proxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP/1.1 server on 127.0.0.1 for tests, one virtual thread per connection, written on raw
 * sockets so that it can misbehave on purpose. Paths:
 * <ul>
 *   <li>{@code /headers}: the request headers as received, one {@code name: value} per line
 *   <li>{@code /hop-response}: a response with hop-by-hop headers the proxy must remove
 *   <li>{@code /upload}: reads the body, answers its length; records when the first body byte came
 *   <li>{@code /echo}: streams the body back, chunked
 *   <li>{@code /download?bytes=N}: N bytes with Content-Length; counts bytes written
 *   <li>{@code /chunked}: a chunked response
 *   <li>{@code /chunked-twice}: a chunked response with two Transfer-Encoding fields, {@code identity} and
 *       {@code chunked}
 *   <li>{@code /hold}: answers only when {@link #release()} is called
 *   <li>{@code /close-mid}: half a response, then close
 *   <li>{@code /reset}: no response, connection reset
 *   <li>{@code /upgrade}: 101, then echoes raw bytes
 *   <li>{@code /overrun?late=0|1}: its id, then bytes beyond the Content-Length, in the same write or a
 *       later one
 *   <li>anything else: the backend's id (as Content-Length only, to HEAD; other paths send a body to HEAD
 *       too, in a write after the head's)
 * </ul>
 */
public final class TestBackend implements AutoCloseable {

    public record Request(String method, String target, String version, List<String[]> headers) {
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        public long longParam(String name, long otherwise) {
            int q = target.indexOf('?');
            if (q >= 0) {
                for (String kv : target.substring(q + 1).split("&")) {
                    String[] p = kv.split("=", 2);
                    if (p[0].equals(name) && p.length == 2) {
                        return Long.parseLong(p[1]);
                    }
                }
            }
            return otherwise;
        }
    }

    public final String id;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    public final AtomicInteger connections = new AtomicInteger();
    public final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    public final AtomicInteger holding = new AtomicInteger();
    private volatile CountDownLatch held = new CountDownLatch(1);
    public final AtomicLong downloadWritten = new AtomicLong();
    /**
     * What this backend could not parse, each with the request before it on its connection. The proxy
     * forwards only what it checked, so anything here means it delimited a message otherwise than it
     * sent it on (e.g. a body read to the end by the proxy but not by this backend, whose rest then
     * looked like a request line): request smuggling.
     */
    public final ConcurrentLinkedQueue<String> unparsed = new ConcurrentLinkedQueue<>();
    public volatile long downloadFinishedNanos;
    public volatile long firstUploadByteNanos;

    public TestBackend(String id) throws IOException {
        this.id = id;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    /** Connections open now (those the proxy closed are gone once this side has seen the close). */
    public int openConnections() {
        return sockets.size();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Lets every held request answer; later ones are held again. */
    public void release() {
        CountDownLatch latch = held;
        held = new CountDownLatch(1);
        latch.countDown();
    }

    public List<String> paths() {
        return requests.stream().map(Request::path).toList();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                sockets.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        Request previous = null;
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = socket.getOutputStream();
            while (true) {
                Request request = readHead(in);
                if (request == null) {
                    return;
                }
                previous = request;
                requests.add(request);
                boolean keepAlive = !"close".equalsIgnoreCase(request.header("connection"));
                if (!handle(request, in, out, socket) || !keepAlive) {
                    return;
                }
            }
        } catch (Unparsable e) {
            unparsed.add(e.getMessage() + (previous == null ? ", first on its connection"
                    : ", after " + previous.method() + " " + previous.target() + " " + previous.headers().stream()
                            .map(h -> h[0] + ": " + h[1]).toList()));
        } catch (IOException | InterruptedException e) {
            // connection gone
        } finally {
            sockets.remove(socket);
        }
    }

    private boolean handle(Request request, InputStream in, OutputStream out, Socket socket)
            throws IOException, InterruptedException {
        switch (request.path()) {
            case "/headers" -> {
                drain(body(request, in));
                StringBuilder sb = new StringBuilder();
                for (String[] h : request.headers()) {
                    sb.append(h[0]).append(": ").append(h[1]).append('\n');
                }
                respond(out, 200, sb.toString(), "");
            }
            case "/hop-response" -> {
                drain(body(request, in));
                respond(out, 200, id, "Connection: X-Resp-Hop, keep-alive\r\nX-Resp-Hop: 1\r\n"
                        + "Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nX-Kept: yes\r\n");
            }
            case "/upload" -> {
                InputStream body = body(request, in);
                long n = 0;
                byte[] buf = new byte[64 * 1024];
                int r;
                while ((r = body.read(buf)) > 0) {
                    if (n == 0) {
                        firstUploadByteNanos = System.nanoTime();
                    }
                    n += r;
                }
                respond(out, 200, Long.toString(n), "");
            }
            case "/echo" -> {
                InputStream body = body(request, in);
                out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[64 * 1024];
                int r;
                while ((r = body.read(buf)) > 0) {
                    out.write((Integer.toHexString(r) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(buf, 0, r);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            case "/download" -> {
                drain(body(request, in));
                long total = request.longParam("bytes", 1024);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + total + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] block = new byte[64 * 1024];
                for (int i = 0; i < block.length; i++) {
                    block[i] = (byte) ('a' + i % 26);
                }
                long left = total;
                while (left > 0) {
                    int n = (int) Math.min(block.length, left);
                    out.write(block, 0, n);
                    left -= n;
                    downloadWritten.addAndGet(n);
                }
                out.flush();
                downloadFinishedNanos = System.nanoTime();
            }
            case "/chunked" -> {
                drain(body(request, in));
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            case "/chunked-twice" -> {
                drain(body(request, in));
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            case "/hold" -> {
                drain(body(request, in));
                CountDownLatch latch = held;
                holding.incrementAndGet();
                try {
                    latch.await(30, TimeUnit.SECONDS);
                } finally {
                    holding.decrementAndGet();
                }
                respond(out, 200, id, "");
            }
            case "/close-mid" -> {
                drain(body(request, in));
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return false;
            }
            case "/overrun" -> {
                drain(body(request, in));
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Length: " + id.length() + "\r\n\r\n" + id)
                        .getBytes(StandardCharsets.US_ASCII);
                byte[] extra = "EXTRA".getBytes(StandardCharsets.US_ASCII);
                if (request.longParam("late", 0) == 0) {
                    byte[] all = Arrays.copyOf(head, head.length + extra.length);
                    System.arraycopy(extra, 0, all, head.length, extra.length);
                    out.write(all);
                } else {
                    out.write(head);
                    out.flush();
                    Thread.sleep(50);
                    out.write(extra);
                }
                out.flush();
            }
            case "/reset" -> {
                socket.setSoLinger(true, 0);
                return false;
            }
            case "/upgrade" -> {
                out.write(("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "
                        + request.header("upgrade") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[8192];
                int r;
                while ((r = in.read(buf)) > 0) {
                    out.write(buf, 0, r);
                    out.flush();
                }
                return false;
            }
            default -> {
                drain(body(request, in));
                if (request.method().equals("HEAD")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + id.length() + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else {
                    respond(out, 200, id, "");
                }
            }
        }
        return true;
    }

    private void respond(OutputStream out, int status, String body, String extraHeaders) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " OK\r\nContent-Length: " + bytes.length + "\r\nX-Backend-Id: " + id
                + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    private static Request readHead(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            return null;
        }
        String[] start = line.split(" ", 3);
        if (start.length != 3) {
            throw new Unparsable("bad request line: " + line);
        }
        List<String[]> headers = new ArrayList<>();
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new Unparsable("header line without a colon: " + line);
            }
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        return new Request(start[0], start[1], start[2], headers);
    }

    /** A CRLF-terminated line, or null at EOF before any byte. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new EOFException("connection closed mid-line");
    }

    private static InputStream body(Request request, InputStream in) throws Unparsable {
        String te = request.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return new ChunkedInputStream(in);
        }
        String cl = request.header("content-length");
        try {
            return new FixedLengthInputStream(in, cl == null ? 0 : Long.parseLong(cl));
        } catch (NumberFormatException e) {
            throw new Unparsable("bad Content-Length: " + cl);
        }
    }

    /** Bytes that are not the HTTP/1.1 this backend expected (see {@link #unparsed}). */
    static final class Unparsable extends IOException {
        Unparsable(String message) {
            super(message);
        }
    }

    private static void drain(InputStream body) throws IOException {
        byte[] buf = new byte[8192];
        while (body.read(buf) > 0) {
            // discard
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        release();
        threads.shutdownNow();
    }

    static final class FixedLengthInputStream extends InputStream {
        private final InputStream in;
        private long left;

        FixedLengthInputStream(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r < 0) {
                throw new EOFException("body cut short");
            }
            left -= r;
            return r;
        }
    }

    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String size = readLine(in);
                if (size == null) {
                    throw new EOFException();
                }
                int semi = size.indexOf(';');
                try {
                    chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new Unparsable("bad chunk size: " + size);
                }
                if (chunkLeft == 0) {
                    String trailer;
                    while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                        // skip trailers
                    }
                    done = true;
                    return -1;
                }
            }
            int r = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (r < 0) {
                throw new EOFException();
            }
            chunkLeft -= r;
            if (chunkLeft == 0) {
                readLine(in);
            }
            return r;
        }
    }
}
