package dev.portico.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Talks to the API under test, either with the JDK's HTTP client or, for requests that client refuses
 * to send (broken escapes, lying lengths, bad chunking), over a raw socket. Every call is bounded in
 * time: an API that does not answer fails the test instead of hanging it.
 */
final class Http implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InetSocketAddress address;
    private final String token;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();

    Http(InetSocketAddress address, String token) {
        this.address = address;
        this.token = token;
    }

    /** One answer: its status (-1 when the connection closed without one), headers and body. */
    record Answer(int status, Map<String, String> headers, byte[] body) {

        String text() {
            return status + " " + new String(body, StandardCharsets.UTF_8);
        }

        /** The message of a {@code {"error": "..."}} body; null when the body is not one. */
        String error() {
            try {
                JsonNode node = JSON.readTree(body);
                return node != null && node.isObject() && node.size() == 1 && node.path("error").isTextual()
                        ? node.get("error").asText() : null;
            } catch (IOException e) {
                return null;
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    InetSocketAddress address() {
        return address;
    }

    String adminAuthorization() {
        return "Bearer " + token;
    }

    Answer get(String target) {
        return send("GET", target, null);
    }

    /** A request with the admin credential; {@code body} null sends none. */
    Answer send(String method, String target, byte[] body) {
        return send(method, target, body, adminAuthorization());
    }

    /** A request with the given {@code Authorization} header, or none when it is null. */
    Answer send(String method, String target, byte[] body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        "http://" + address.getHostString() + ":" + address.getPort() + target))
                .timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<byte[]> response = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                    .get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            Map<String, String> headers = new TreeMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT),
                    String.join(",", values)));
            return new Answer(response.statusCode(), headers, response.body());
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + TIMEOUT + " to " + method + " " + target, e);
        } catch (ExecutionException e) {
            throw new AssertionError(method + " " + target + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Opens a raw connection to the API, with reads bounded by {@link #TIMEOUT}. */
    Socket connect() {
        try {
            Socket socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code request} verbatim on a new connection, half-closes it when {@code endOutput}, and
     * reads one answer.
     */
    Answer raw(byte[] request, boolean endOutput) {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (endOutput) {
                socket.shutdownOutput();
            }
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request head (request line and headers, CRLF-separated) followed by {@code body}. */
    static byte[] request(String requestLine, List<String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        headers.forEach(h -> head.append(h).append("\r\n"));
        head.append("\r\n");
        byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[start.length + body.length];
        System.arraycopy(start, 0, all, 0, start.length);
        System.arraycopy(body, 0, all, start.length, body.length);
        return all;
    }

    /** Reads one HTTP/1.1 answer; status -1 when the connection closes (or resets) before one. */
    static Answer read(InputStream in) throws IOException {
        String statusLine;
        try {
            statusLine = line(in);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within " + TIMEOUT, e);
        } catch (IOException e) {
            return new Answer(-1, Map.of(), new byte[0]);
        }
        if (statusLine == null) {
            return new Answer(-1, Map.of(), new byte[0]);
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                chunks.write(in.readNBytes(size));
                line(in);
            }
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Answer(status, headers, body);
    }

    /** A body for a message: control characters shown as '?', cut short, with its length. */
    static String printable(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        return (text.length() <= 100 ? text : text.substring(0, 100) + "…") + " (" + body.length + " bytes)";
    }

    private static int chunkSize(InputStream in) throws IOException {
        return Integer.parseInt(line(in).trim(), 16);
    }

    /** A CRLF-terminated line without its terminator; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        client.close();
    }
}
