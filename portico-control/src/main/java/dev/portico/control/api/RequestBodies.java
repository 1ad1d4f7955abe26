package dev.portico.control.api;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Reads request bodies within a limit, so that no client can make the API read or hold unbounded
 * data. A body declared larger than the limit is refused before a byte of it is read; one that turns
 * out larger (chunked, or a lying length) is refused as soon as it passes the limit. A body that
 * breaks off (the connection closes early, broken chunking) is a 400, answered if the client still
 * listens. A body left unread (refused before it was read, or sent where none is expected) is read
 * past after the answer, up to a bound ({@link #drain}), and the answer says the connection closes.
 */
final class RequestBodies {

    private static final int BUFFER_BYTES = 64 * 1024;

    private RequestBodies() {}

    /**
     * The whole body, at most {@code limit} bytes.
     *
     * @param what what the body is, for the message of a 413 ("a JSON body")
     */
    static byte[] read(HttpExchange exchange, int limit, String what) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        copy(exchange, body, limit, what);
        return body.toByteArray();
    }

    /**
     * Copies the body to {@code out} and returns its length.
     *
     * @throws ApiException 413 past {@code limit}, 400 when the body breaks off
     * @throws UncheckedIOException when {@code out} fails: the server's fault, not the client's
     */
    static long copy(HttpExchange exchange, OutputStream out, long limit, String what) {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && Long.parseLong(declared.trim()) > limit) {
            throw tooLarge(limit, what);
        }
        InputStream in = exchange.getRequestBody();
        byte[] buffer = new byte[BUFFER_BYTES];
        long total = 0;
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                throw new ApiException(400, "the request body broke off after " + total + " bytes: "
                        + e.getMessage());
            }
            if (n < 0) {
                return total;
            }
            total += n;
            if (total > limit) {
                throw tooLarge(limit, what);
            }
            try {
                out.write(buffer, 0, n);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store the request body: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Makes the exchange note whether its body gets read to the end. Call before anything reads it.
     */
    static void track(HttpExchange exchange) {
        exchange.setStreams(new TrackedBody(exchange.getRequestBody()), null);
    }

    /**
     * Whether the request has a body that was not read to its end. The JDK's server closes such a
     * connection after the answer unless it can read past the rest, and the answer must say so
     * ({@code Connection: close}): a client that kept the connection for its next request would find
     * it closed.
     */
    static boolean unread(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        boolean hasBody = exchange.getRequestHeaders().containsKey("Transfer-Encoding")
                || (length != null && !length.trim().equals("0"));
        return hasBody && !(exchange.getRequestBody() instanceof TrackedBody body && body.ended);
    }

    /**
     * Reads and discards what is left of an unread body, up to {@code limit} bytes; call after the
     * answer is flushed. A connection closed with unread data is reset, and a reset can destroy the
     * answer before the client has read it: a client still sending a refused body would see no answer.
     */
    static void drain(HttpExchange exchange, long limit) {
        if (!unread(exchange)) {
            return;
        }
        InputStream in = exchange.getRequestBody();
        byte[] buffer = new byte[BUFFER_BYTES];
        try {
            for (long left = limit; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException e) {
            // A broken or abandoned body: the JDK's server closes the connection, as it must.
        }
    }

    /** A request body that notes when it has been read to its end. */
    private static final class TrackedBody extends FilterInputStream {
        private boolean ended;

        TrackedBody(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            ended |= n < 0;
            return n;
        }
    }

    private static ApiException tooLarge(long limit, String what) {
        return new ApiException(413, "the request body is larger than " + (limit >> 20) + " MiB (" + limit
                + " bytes), the most " + what + " may be");
    }
}
