package dev.portico.proxy.testing.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the responses on one client connection, strictly (RFC 9112): CRLF line ends; a status line
 * {@code HTTP/1.1 NNN reason}; header names that are tokens, values of visible characters, no folded lines;
 * one framing: no body (HEAD, 1xx, 204, 304), chunked (and no Content-Length), a single Content-Length,
 * or until the close, announced by {@code Connection: close}; well-formed chunks and trailers. Anything
 * else is a {@link MalformedResponse}. Keeps the first bytes it reads, for failure messages.
 */
public final class ResponseReader {

    /** A response; header names lower-cased. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** Announces that the connection closes after it. */
        public boolean closes() {
            return closes(headers);
        }

        /** A 1xx other than 101: the final response to the same request follows. */
        public boolean interim() {
            return status < 200 && status != 101;
        }

        static boolean closes(Map<String, List<String>> headers) {
            for (String value : headers.getOrDefault("connection", List.of())) {
                for (String token : value.split(",")) {
                    if (token.trim().equalsIgnoreCase("close")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Bytes that are not a well-formed HTTP/1.1 response. */
    public static final class MalformedResponse extends IOException {
        MalformedResponse(String message) {
            super(message);
        }
    }

    /** The connection ended cleanly in the middle of a response. */
    public static final class CutResponse extends EOFException {
        CutResponse(String message) {
            super(message);
        }
    }

    private static final Pattern STATUS_LINE =
            Pattern.compile("HTTP/1\\.1 ([1-5][0-9][0-9]) [\\t\\x20-\\x7e\\x80-\\xff]*");
    private static final Pattern HEADER_LINE =
            Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*?)[ \\t]*");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("[0-9]{1,9}");
    private static final Pattern CHUNK_SIZE = Pattern.compile("([0-9a-fA-F]{1,8})(;[\\t\\x20-\\x7e\\x80-\\xff]*)?");
    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_HEADERS = 256;
    private static final int MAX_BODY = 16 * 1024 * 1024;
    private static final int TRANSCRIPT_BYTES = 1024;

    private final InputStream in;
    private final ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    private long received;

    public ResponseReader(InputStream in) {
        this.in = new BufferedInputStream(in, 16 * 1024);
    }

    /**
     * The next response, or null when the connection ends before one starts.
     *
     * @param headRequest it answers a HEAD request: no body whatever the headers say
     */
    public Response next(boolean headRequest) throws IOException {
        int first = read();
        if (first < 0) {
            return null;
        }
        String statusLine = line(first);
        Matcher status = STATUS_LINE.matcher(statusLine);
        if (!status.matches()) {
            throw new MalformedResponse("bad status line: " + escape(statusLine));
        }
        int code = Integer.parseInt(status.group(1));
        Map<String, List<String>> headers = fields();
        return new Response(code, headers, body(code, headers, headRequest));
    }

    /** Waits up to {@code millis} for something (bytes, the end, a reset) to arrive; tells whether it did. */
    public boolean await(Socket socket, int millis) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            in.mark(1);
            in.read();
            in.reset();
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // a reset: the next read reports it
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** Fails unless the connection ends now: after a response that closes it, nothing may follow. */
    public void expectEnd() throws IOException {
        int b = read();
        if (b >= 0) {
            throw new MalformedResponse("bytes after the end of the connection's last response: "
                    + escape(String.valueOf((char) b)));
        }
    }

    /** Exactly {@code n} raw bytes (from a tunnel). */
    public byte[] raw(int n) throws IOException {
        return exactly(n);
    }

    /** Reads raw bytes (from a tunnel) up to the end of the connection. */
    public void drain() throws IOException {
        while (read() >= 0) {
            // a tunnel echoes what the request carried after its head
        }
    }

    /** The first bytes read, escaped, and how many there were in all. */
    public String transcript() {
        return escape(transcript.toString(StandardCharsets.ISO_8859_1))
                + (received > TRANSCRIPT_BYTES ? "... (" + received + " bytes in all)" : "");
    }

    private Map<String, List<String>> fields() throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int n = 0; ; n++) {
            String line = line(read());
            if (line.isEmpty()) {
                return headers;
            }
            Matcher field = HEADER_LINE.matcher(line);
            if (n == MAX_HEADERS || !field.matches()) {
                throw new MalformedResponse("bad header line: " + escape(line));
            }
            headers.computeIfAbsent(field.group(1).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(field.group(2));
        }
    }

    private byte[] body(int status, Map<String, List<String>> headers, boolean headRequest) throws IOException {
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (te != null && cl != null) {
            throw new MalformedResponse("both Transfer-Encoding and Content-Length");
        }
        if (headRequest || status < 200 || status == 204 || status == 304) {
            return new byte[0];
        }
        if (te != null) {
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                throw new MalformedResponse("Transfer-Encoding other than chunked: " + te);
            }
            return chunked();
        }
        if (cl != null) {
            if (cl.size() != 1 || !CONTENT_LENGTH.matcher(cl.get(0)).matches()
                    || Integer.parseInt(cl.get(0)) > MAX_BODY) {
                throw new MalformedResponse("bad Content-Length: " + cl);
            }
            return exactly(Integer.parseInt(cl.get(0)));
        }
        if (!Response.closes(headers)) {
            throw new MalformedResponse("a body delimited by the close without Connection: close");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int b;
        while ((b = read()) >= 0) {
            if (body.size() == MAX_BODY) {
                throw new MalformedResponse("body over " + MAX_BODY + " bytes");
            }
            body.write(b);
        }
        return body.toByteArray();
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = line(read());
            Matcher size = CHUNK_SIZE.matcher(line);
            if (!size.matches()) {
                throw new MalformedResponse("bad chunk size line: " + escape(line));
            }
            int n = Integer.parseInt(size.group(1), 16);
            if (n == 0) {
                fields(); // trailers, up to the empty line
                return body.toByteArray();
            }
            if (body.size() + n > MAX_BODY) {
                throw new MalformedResponse("body over " + MAX_BODY + " bytes");
            }
            body.writeBytes(exactly(n));
            if (!line(read()).isEmpty()) {
                throw new MalformedResponse("chunk data longer than its size");
            }
        }
    }

    /** A line whose first byte is {@code first}, without its CRLF. */
    private String line(int first) throws IOException {
        StringBuilder line = new StringBuilder();
        int b = first;
        while (true) {
            if (b < 0) {
                throw new CutResponse("connection ended mid-line: " + escape(line.toString()));
            }
            if (b == '\n') {
                throw new MalformedResponse("bare LF after: " + escape(line.toString()));
            }
            if (b == '\r') {
                int lf = read();
                if (lf != '\n') {
                    throw lf < 0 ? new CutResponse("connection ended after CR") : new MalformedResponse("bare CR");
                }
                return line.toString();
            }
            if (line.length() == MAX_LINE) {
                throw new MalformedResponse("line over " + MAX_LINE + " bytes");
            }
            line.append((char) b);
            b = read();
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        record(bytes, bytes.length);
        if (bytes.length < n) {
            throw new CutResponse("connection ended after " + bytes.length + " of " + n + " body bytes");
        }
        return bytes;
    }

    private int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            received++;
            if (transcript.size() < TRANSCRIPT_BYTES) {
                transcript.write(b);
            }
        }
        return b;
    }

    private void record(byte[] bytes, int n) {
        received += n;
        int room = TRANSCRIPT_BYTES - transcript.size();
        if (room > 0) {
            transcript.write(bytes, 0, Math.min(room, n));
        }
    }

    /** Text with CR, LF and other non-printable characters made visible. */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append(c);
                    } else {
                        sb.append(String.format("\\x%02x", (int) c));
                    }
                }
            }
        }
        return sb.toString();
    }
}
