package dev.portico.proxy.testing.fuzz;

import dev.portico.proxy.testing.fuzz.FuzzRequest.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes the requests of a fuzz run from a {@link Random}: valid requests, each with the one answer it must
 * get; mutations of valid requests ({@link Mutations}); and random bytes. The requests go to the routes
 * named here, which the test sets up: {@link #LIVE} and {@link #AUTH} reach a {@code TestBackend} with id
 * {@link #BACKEND_ID}. Paths are ones the test backend answers at once ({@code /hold} and friends never).
 */
public final class RequestGenerator {

    /** Unauthenticated, us-east. */
    public static final String LIVE = "main--fuzz--live";
    /** Authenticated (k1/s1 allowed, k2/s2 forbidden: see {@code ProxyFixture.AUTH}), us-east. */
    public static final String AUTH = "main--fuzz--auth";
    /** A us-west server, requested from the us-east listener: 421. */
    public static final String WEST = "main--fuzz--west";
    /** A server without ready containers: 503. */
    public static final String EMPTY = "main--fuzz--empty";
    /** A server whose only container's port is closed: 502. */
    public static final String GONE = "main--fuzz--gone";
    public static final String BACKEND_ID = "A";

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /** What the proxy may answer to a request that is not known to be valid, besides the cases below. */
    private static final Set<Integer> ANY_REQUEST = Set.of(200, 400, 401, 403, 404, 405, 414, 421, 431);

    /** Where a valid request goes, with the credentials it carries and the status it must get. */
    private record Destination(String label, String key, String secret, int status) {}

    private static final List<Destination> DESTINATIONS = List.of(
            new Destination(LIVE, null, null, 200),
            new Destination(AUTH, "k1", "s1", 200),
            new Destination(AUTH, "k2", "s2", 403),
            new Destination(AUTH, "k1", "wrong", 401),
            new Destination(AUTH, null, null, 401),
            new Destination(WEST, null, null, 421),
            new Destination(EMPTY, null, null, 503),
            new Destination(GONE, null, null, 502),
            new Destination("main--fuzz--nowhere", null, null, 404));

    private enum Op {
        ROOT, CHUNKED_RESPONSE, HEADERS, DOWNLOAD, HEAD, UPLOAD, UPLOAD_CHUNKED, ECHO, ECHO_CHUNKED, UPGRADE
    }

    /** A request as parts with the answer it must get when sent as is. */
    private record Made(RequestParts parts, int status, byte[] body, boolean head, boolean closes, boolean upgrade) {}

    private static final String[] SOUP = {
        "GET", "POST", "PUT", "OPTIONS", "DELETE", " ", " ", "/", "/echo", "/upload", "*", "http://", "HTTP/1.1",
        "HTTP/1.0", "HTTP/", "\r\n", "\r\n", "\r\n\r\n", "\n", "\r", ":", ": ", "Host", "Host: " + LIVE,
        "Host: " + AUTH, "Content-Length", "Transfer-Encoding", "chunked", "0", "5", "ffff", "-1", ";", ",",
        "Connection", "close", "keep-alive", "Upgrade", "Expect", "100-continue", "Modal-Key", "Modal-Secret",
        "k1", "s1", "hello", "\t", "\u0000", "\u00ff", "=",
    };

    private RequestGenerator() {}

    /**
     * A valid request. Only the last request of a connection ({@code last}) may end it: ask to close, or
     * upgrade to a tunnel.
     */
    public static FuzzRequest valid(Random rnd, boolean last) {
        Made made = make(rnd, last, false);
        String label = "valid " + made.parts.describe() + " to " + made.parts.headers.get(0)[1];
        return new FuzzRequest(Kind.VALID, label, made.parts.bytes(), Set.of(made.status), made.head, made.body,
                made.closes, made.upgrade);
    }

    /** A valid request with one to three {@link Mutations} applied. */
    public static FuzzRequest mutated(Random rnd) {
        RequestParts parts = make(rnd, true, true).parts;
        return Mutations.apply(parts, rnd, () -> make(rnd, false, true).parts.bytes());
    }

    /** Random bytes: uniform, printable lines, or a soup of HTTP fragments. */
    public static FuzzRequest random(Random rnd) {
        StringBuilder sb = new StringBuilder();
        String how;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                how = "uniform";
                for (int i = 1 + rnd.nextInt(2048); i > 0; i--) {
                    sb.append((char) rnd.nextInt(256));
                }
            }
            case 1 -> {
                how = "printable";
                for (int i = 1 + rnd.nextInt(1024); i > 0; i--) {
                    sb.append(rnd.nextInt(16) == 0 ? "\r\n" : String.valueOf((char) (0x20 + rnd.nextInt(0x5f))));
                }
            }
            default -> {
                how = "soup";
                for (int i = 5 + rnd.nextInt(60); i > 0; i--) {
                    sb.append(SOUP[rnd.nextInt(SOUP.length)]);
                }
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        return notValid(Kind.RANDOM, "random " + how + " (" + bytes.length + " bytes)", bytes);
    }

    /**
     * A mutated or random request. Besides {@link #ANY_REQUEST}: 503 and 502 only when it names the server
     * meant to answer them, 101 (and 502) only when it asks for the path that upgrades.
     */
    static FuzzRequest notValid(Kind kind, String label, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        Set<Integer> allowed = new TreeSet<>(ANY_REQUEST);
        if (text.contains(EMPTY)) {
            allowed.add(503);
        }
        if (text.contains(GONE)) {
            allowed.add(502);
        }
        if (text.contains("/upgrade")) {
            // The test backend answers 101 to any request for /upgrade; the proxy relays it to a request that
            // asked to upgrade, and answers 502 to one whose Upgrade a mutation broke.
            allowed.add(101);
            allowed.add(502);
        }
        return new FuzzRequest(kind, label, bytes, Set.copyOf(allowed), false, null, false, false);
    }

    /**
     * A valid request. A mutation base ({@code base}) has no HEAD (its response's body length would be
     * unknowable once mutated) and no download (the test backend's parameter parsing is not fuzz-proof).
     */
    private static Made make(Random rnd, boolean last, boolean base) {
        Destination to = DESTINATIONS.get(rnd.nextInt(3) > 0 ? 0 : rnd.nextInt(DESTINATIONS.size()));
        boolean http10 = rnd.nextInt(14) == 0;
        Op op = op(rnd, last && !http10, http10, base);
        String payload = payload(rnd, op);
        RequestParts p = new RequestParts(method(op), path(op, rnd), http10 ? "HTTP/1.0" : "HTTP/1.1");
        p.add("Host", host(rnd, to.label));
        if (to.key != null) {
            p.add("Modal-Key", to.key).add("Modal-Secret", to.secret);
        }
        addBenignHeaders(p, rnd);
        if (op == Op.UPGRADE) {
            p.add("Connection", "Upgrade").add("Upgrade", "echo");
        }
        if (op == Op.UPLOAD_CHUNKED || op == Op.ECHO_CHUNKED) {
            p.add("Transfer-Encoding", "chunked");
            p.body = chunked(payload, rnd);
        } else if (payload != null) {
            p.add("Content-Length", Integer.toString(payload.length()));
            p.body = payload;
        }
        boolean closes;
        if (http10) {
            closes = last && rnd.nextBoolean();
            if (!closes) {
                p.add("Connection", "keep-alive");
            }
        } else {
            closes = last && op != Op.UPGRADE && rnd.nextInt(3) == 0;
            if (closes) {
                p.add("Connection", "close");
            }
        }
        boolean served = to.status == 200;
        boolean upgrade = served && op == Op.UPGRADE;
        int status = upgrade ? 101 : to.status;
        byte[] body = served && !upgrade ? expectedBody(op, p, payload) : null;
        return new Made(p, status, body, op == Op.HEAD, closes, upgrade);
    }

    private static Op op(Random rnd, boolean mayUpgrade, boolean http10, boolean base) {
        if (mayUpgrade && rnd.nextInt(12) == 0) {
            return Op.UPGRADE;
        }
        if (http10) { // answers with a length, so that the connection may persist
            Op[] ops = base ? new Op[] {Op.ROOT, Op.UPLOAD} : new Op[] {Op.ROOT, Op.HEAD, Op.UPLOAD};
            return ops[rnd.nextInt(ops.length)];
        }
        while (true) {
            Op op = Op.values()[rnd.nextInt(Op.UPGRADE.ordinal())];
            if (!base || (op != Op.HEAD && op != Op.DOWNLOAD)) {
                return op;
            }
        }
    }

    private static String method(Op op) {
        return switch (op) {
            case HEAD -> "HEAD";
            case UPLOAD, UPLOAD_CHUNKED, ECHO, ECHO_CHUNKED -> "POST";
            default -> "GET";
        };
    }

    private static String path(Op op, Random rnd) {
        return switch (op) {
            case ROOT, HEAD -> "/";
            case CHUNKED_RESPONSE -> "/chunked";
            case HEADERS -> "/headers";
            case DOWNLOAD -> "/download?bytes="
                    + (rnd.nextInt(20) == 0 ? rnd.nextInt(256 * 1024) : rnd.nextInt(16 * 1024));
            case UPLOAD, UPLOAD_CHUNKED -> "/upload";
            case ECHO, ECHO_CHUNKED -> "/echo";
            case UPGRADE -> "/upgrade";
        };
    }

    private static String payload(Random rnd, Op op) {
        return switch (op) {
            case UPLOAD, UPLOAD_CHUNKED, ECHO, ECHO_CHUNKED -> letters(rnd, rnd.nextInt(50) == 0
                    ? rnd.nextInt(64 * 1024) : rnd.nextInt(2048));
            default -> null;
        };
    }

    private static String host(Random rnd, String label) {
        return switch (rnd.nextInt(5)) {
            case 0 -> label + ".localhost";
            case 1 -> label.toUpperCase(Locale.ROOT) + ".LOCALHOST";
            case 2 -> label + ":7080";
            case 3 -> label + ".localhost:7080";
            default -> label;
        };
    }

    private static void addBenignHeaders(RequestParts p, Random rnd) {
        for (int i = rnd.nextInt(4); i > 0; i--) {
            switch (rnd.nextInt(6)) {
                case 0 -> p.add("User-Agent", "fuzz/" + rnd.nextInt(10));
                case 1 -> p.add("Accept", "*/*");
                case 2 -> p.add("X-Fuzz", letters(rnd, 1 + rnd.nextInt(40)));
                case 3 -> p.add("Modal-Session-ID", letters(rnd, 1 + rnd.nextInt(20)));
                case 4 -> p.add("X-Forwarded-For", "10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256));
                default -> p.add("Cookie", "a=" + rnd.nextInt(1000));
            }
        }
    }

    /** {@code payload} in one to four chunks of random sizes, with an occasional extension and trailer. */
    private static String chunked(String payload, Random rnd) {
        StringBuilder sb = new StringBuilder(payload.length() + 64);
        int i = 0;
        for (int chunks = 1 + rnd.nextInt(4); i < payload.length(); chunks--) {
            int n = chunks == 1 ? payload.length() - i : 1 + rnd.nextInt(payload.length() - i);
            String size = Integer.toHexString(n);
            sb.append(rnd.nextBoolean() ? size : size.toUpperCase(Locale.ROOT));
            if (rnd.nextInt(8) == 0) {
                sb.append(";ext=").append(rnd.nextInt(10));
            }
            sb.append(RequestParts.CRLF).append(payload, i, i + n).append(RequestParts.CRLF);
            i += n;
        }
        sb.append("0").append(RequestParts.CRLF);
        if (rnd.nextInt(8) == 0) {
            sb.append("X-Trailer: done").append(RequestParts.CRLF);
        }
        return sb.append(RequestParts.CRLF).toString();
    }

    private static byte[] expectedBody(Op op, RequestParts p, String payload) {
        return switch (op) {
            case ROOT -> ascii(BACKEND_ID);
            case HEAD -> new byte[0];
            case CHUNKED_RESPONSE -> ascii("hello world");
            case UPLOAD, UPLOAD_CHUNKED -> ascii(Integer.toString(payload.length()));
            case ECHO, ECHO_CHUNKED -> ascii(payload);
            case DOWNLOAD -> download(Integer.parseInt(p.target.substring(p.target.indexOf('=') + 1)));
            case HEADERS, UPGRADE -> null; // the headers as forwarded; a tunnel
        };
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What the test backend's {@code /download?bytes=n} sends: blocks of 64 KiB of a-z repeated. */
    private static byte[] download(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) ('a' + (i % (64 * 1024)) % 26);
        }
        return bytes;
    }

    /** {@code n} random letters and digits. */
    static String letters(Random rnd, int n) {
        byte[] random = new byte[n];
        rnd.nextBytes(random);
        char[] chars = new char[n];
        for (int i = 0; i < n; i++) {
            chars[i] = LETTERS.charAt((random[i] & 0xff) % LETTERS.length());
        }
        return new String(chars);
    }
}
