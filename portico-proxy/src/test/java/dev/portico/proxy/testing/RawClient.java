package dev.portico.proxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A byte-exact HTTP/1.1 client on one socket, for tests. */
public final class RawClient implements AutoCloseable {

    public record Response(String version, int status, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    public final InputStream in;
    public final OutputStream out;

    public RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5_000);
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    public Socket socket() {
        return socket;
    }

    public RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** {@code GET path} with the given Host and extra header lines (each ending in CRLF). */
    public Response get(String host, String path, String extraHeaders) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "\r\n");
        return read();
    }

    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code headRequest}: it has no body whatever its headers say. */
    public Response read(boolean headRequest) throws IOException {
        String status = TestBackend.readLine(in);
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String line;
        while (!(line = TestBackend.readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        int code = Integer.parseInt(parts[1]);
        Response head = new Response(parts[0], code, headers, new byte[0]);
        if (headRequest || code < 200 || code == 204 || code == 304) {
            return head;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String te = head.header("transfer-encoding");
        String cl = head.header("content-length");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            new TestBackend.ChunkedInputStream(in).transferTo(body);
        } else if (cl != null) {
            new TestBackend.FixedLengthInputStream(in, Long.parseLong(cl)).transferTo(body);
        } else {
            in.transferTo(body); // delimited by close
        }
        return new Response(parts[0], code, headers, body.toByteArray());
    }

    /** Whether the peer closes (or resets) the connection within {@code millis}, reading and dropping bytes. */
    public boolean closedWithin(long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int old = socket.getSoTimeout();
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                try {
                    if (in.read() == -1) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    return true; // reset
                }
            }
            return false;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
