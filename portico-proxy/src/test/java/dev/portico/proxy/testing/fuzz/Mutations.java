package dev.portico.proxy.testing.fuzz;

import static dev.portico.proxy.testing.fuzz.RequestGenerator.EMPTY;
import static dev.portico.proxy.testing.fuzz.RequestGenerator.LIVE;

import dev.portico.proxy.testing.fuzz.FuzzRequest.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Mutations of valid requests, each aimed at one way a request can be malformed, ambiguous or hostile
 * (DESIGN.md §3): on the parts (request line, headers, framing, credentials) or on the bytes (flips,
 * truncation, line ends, control characters).
 */
final class Mutations {

    private static final byte[] CONTROL_CHARS = {0, 1, 8, 9, 11, 12, 13, 27, 127};

    private record OnParts(String name, BiConsumer<RequestParts, Random> apply) {}

    private record OnBytes(String name, BiFunction<byte[], Random, byte[]> apply) {}

    private static final List<OnParts> ON_PARTS = List.of(
            new OnParts("no-host", (p, r) -> p.remove("Host")),
            new OnParts("two-hosts", (p, r) -> p.add("Host", pick(r, LIVE, RequestGenerator.AUTH, "other.localhost"))),
            new OnParts("bad-host", (p, r) -> p.set("Host", pick(r, "", " ", "a b", "host\u00e9", "x".repeat(300),
                    "[::1", LIVE + ":99999", LIVE + "..", "@evil", LIVE + "/path", LIVE + "\u0000"))),
            new OnParts("unknown-host", (p, r) -> p.set("Host", pick(r, "nope.localhost", "localhost",
                    "127.0.0.1:7080", LIVE.toUpperCase(Locale.ROOT) + ".", "main-fuzz-live", ".localhost", ":7080"))),
            new OnParts("odd-length", (p, r) -> p.set("Content-Length", pick(r, "99999999999999999999", "-1", "0x10",
                    "+5", " 5", "5 ", "5, 5", "5,6", "", "1e3", "\u0665", "00000000000000000005",
                    "9223372036854775807", "18446744073709551616", "abc", "0"))),
            new OnParts("another-length", (p, r) -> p.add("Content-Length", Integer.toString(r.nextInt(20)))),
            new OnParts("length-and-chunked", Mutations::lengthAndChunked),
            new OnParts("odd-transfer-encoding", (p, r) -> p.set("Transfer-Encoding", pick(r, "gzip", "chunked, gzip",
                    "gzip, chunked", "Chunked", "CHUNKED", "identity", "chunked;q=1", "", " chunked", "chunked\u000b",
                    "xchunked", "chunked, chunked", "chunked,", ",chunked", "chunked\u00a0"))),
            new OnParts("another-transfer-encoding", (p, r) -> p.add("Transfer-Encoding", "chunked")),
            new OnParts("bad-header-name", (p, r) -> p.add(pick(r, "Bad Name", "", "X(", "X\u0001", "X\u00c4", ":x",
                    "X:Y", "X\u007f", " Leading", "Trailing ", "X\tTab", "Host\r", "X\u0000"), "v")),
            new OnParts("bad-header-value", (p, r) -> p.add("X-Value", pick(r, "\u0000", "a\rb", "a\u007fb",
                    "\u00ff\u00fe", "a\nb", "\u0001", " ", "\u00c3\u00a4", "a\r\n\r\nb"))),
            new OnParts("space-before-colon", (p, r) -> p.headers.add(0,
                    new String[] {pick(r, "Host ", "Content-Length ", "X "), "y"})),
            new OnParts("folded-line", (p, r) -> p.add("X-Folded", "a\r\n" + pick(r, " b", "\tb"))),
            new OnParts("long-header", (p, r) -> p.add("X-Long", "x".repeat(16_000 + r.nextInt(4_000)))),
            new OnParts("many-headers", Mutations::manyHeaders),
            new OnParts("long-uri", (p, r) -> p.target = "/" + "a".repeat(16_000 + r.nextInt(4_000))),
            new OnParts("non-ascii-uri", (p, r) -> p.target += pick(r, "\u00e9", "\u00ff\u00fe", "\u00c3\u00a4", "%00",
                    "%ff", "\u0080")),
            new OnParts("absolute-uri", (p, r) -> p.target = pick(r, "http://" + LIVE + p.target,
                    "http://other.example/x", "https://" + LIVE + ":443/", "http://" + LIVE + "@evil/",
                    "//" + LIVE + "/", "http:/x", "http://" + EMPTY + "/")),
            new OnParts("asterisk-uri", (p, r) -> {
                p.method = pick(r, "OPTIONS", "GET");
                p.target = "*";
            }),
            new OnParts("authority-uri", (p, r) -> p.target = pick(r, LIVE + ":80", "localhost:443", ":80")),
            new OnParts("bad-version", (p, r) -> p.version = pick(r, "HTTP/2.0", "HTTP/1.x", "HTTP/1.10", "HTTP/0.9",
                    "http/1.1", "HTTP/1.1 ", "HTTP/ 1.1", null, "HTTP/1.2", "HTTP/3", "HTTP/1.01", "HTTP/11",
                    "HTTPS/1.1", "HTTP/1.1\u0000")),
            new OnParts("http10-chunked", (p, r) -> {
                p.version = "HTTP/1.0";
                p.set("Transfer-Encoding", "chunked");
            }),
            new OnParts("odd-method", (p, r) -> p.method = pick(r, "get", "G ET", "CONNECT", "TRACE", "PRI", "",
                    "\u00e9", "X".repeat(100), "GET\t", "PATCH", "M-SEARCH", "{}")),
            new OnParts("upgrade", Mutations::upgrade),
            new OnParts("odd-credentials", Mutations::credentials),
            new OnParts("odd-connection", (p, r) -> p.set("Connection", pick(r, "close, keep-alive", "Content-Length",
                    "Host", "Transfer-Encoding", "Upgrade", "keep-alive, X-A", ",,,", "Modal-Key", "close\u0000"))),
            new OnParts("expect", (p, r) -> p.set("Expect", pick(r, "100-continue", "garbage", "100-Continue", ""))),
            new OnParts("odd-chunks", Mutations::chunks),
            new OnParts("body-longer-or-shorter", (p, r) -> p.body = r.nextBoolean()
                    ? p.body + RequestGenerator.letters(r, 1 + r.nextInt(50))
                    : p.body.substring(0, r.nextInt(p.body.length() + 1))),
            new OnParts("odd-hop-header", (p, r) -> p.set(pick(r, "Upgrade", "Modal-Session-ID", "X-Forwarded-For",
                    "Proxy-Connection", "TE"), pick(r, "", "\u00ff", "x".repeat(8_000), "keep-alive", "trailers"))));

    private static final List<OnBytes> ON_BYTES = List.of(
            new OnBytes("flip-bytes", Mutations::flipBytes),
            new OnBytes("flip-bit", (b, r) -> {
                b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                return b;
            }),
            new OnBytes("truncate", (b, r) -> slice(b, 0, r.nextInt(b.length))),
            new OnBytes("double-crlf", (b, r) -> atCrlf(b, r, "\r\n\r\n")),
            new OnBytes("drop-crlf", (b, r) -> atCrlf(b, r, "")),
            new OnBytes("bare-lf", (b, r) -> atCrlf(b, r, "\n")),
            new OnBytes("bare-cr", (b, r) -> atCrlf(b, r, "\r")),
            new OnBytes("all-bare-lf", (b, r) -> replaceAllCrlf(b)),
            new OnBytes("control-char", (b, r) -> insert(b, r.nextInt(b.length + 1),
                    new byte[] {CONTROL_CHARS[r.nextInt(CONTROL_CHARS.length)]})),
            new OnBytes("insert-random", (b, r) -> {
                byte[] junk = new byte[1 + r.nextInt(16)];
                r.nextBytes(junk);
                return insert(b, r.nextInt(b.length + 1), junk);
            }),
            new OnBytes("delete-span", (b, r) -> {
                int from = r.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + r.nextInt(32));
                return concat(slice(b, 0, from), slice(b, to, b.length));
            }));

    private Mutations() {}

    /** One to three mutations of {@code parts}, sometimes followed by a pipelined request from {@code another}. */
    static FuzzRequest apply(RequestParts parts, Random rnd, Supplier<byte[]> another) {
        String base = parts.describe();
        List<String> names = new ArrayList<>();
        List<OnBytes> onBytes = new ArrayList<>();
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            if (rnd.nextInt(3) == 0) {
                onBytes.add(ON_BYTES.get(rnd.nextInt(ON_BYTES.size())));
            } else {
                OnParts m = ON_PARTS.get(rnd.nextInt(ON_PARTS.size()));
                m.apply.accept(parts, rnd);
                names.add(m.name);
            }
        }
        byte[] bytes = parts.bytes();
        for (OnBytes m : onBytes) {
            if (bytes.length == 0) {
                break; // truncated to nothing: no byte left to mutate
            }
            bytes = m.apply.apply(bytes, rnd);
            names.add(m.name);
        }
        if (rnd.nextInt(10) == 0) {
            bytes = concat(bytes, another.get());
            names.add("then-another-request");
        }
        return RequestGenerator.notValid(Kind.MUTATED, "mutated " + base + " " + names, bytes);
    }

    private static void lengthAndChunked(RequestParts p, Random rnd) {
        String length = Integer.toString(p.body.length());
        if (rnd.nextBoolean()) {
            p.add("Content-Length", length).add("Transfer-Encoding", "chunked");
        } else {
            p.add("Transfer-Encoding", "chunked").add("Content-Length", length);
        }
    }

    private static void manyHeaders(RequestParts p, Random rnd) {
        for (int i = 500 + rnd.nextInt(2000); i > 0; i--) {
            p.add("X-H" + i, "v");
        }
    }

    private static void upgrade(RequestParts p, Random rnd) {
        String protocol = pick(rnd, "websocket", "h2c", "echo", "");
        if (rnd.nextInt(4) > 0) {
            p.set("Connection", pick(rnd, "Upgrade", "upgrade, keep-alive", "Upgrade, HTTP2-Settings"));
        }
        p.set("Upgrade", protocol);
        if (protocol.equals("websocket")) {
            p.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").add("Sec-WebSocket-Version", "13");
        } else if (protocol.equals("h2c")) {
            p.add("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA");
        }
    }

    private static void credentials(RequestParts p, Random rnd) {
        p.remove("Modal-Key");
        p.remove("Modal-Secret");
        switch (rnd.nextInt(6)) {
            case 0 -> p.add("Modal-Key", "k1").add("Modal-Key", "k2").add("Modal-Secret", "s1");
            case 1 -> p.add("Modal-Key", "k1");
            case 2 -> p.add("Modal-Key", "k1").add("Modal-Secret", "s2");
            case 3 -> p.add("Modal-Key", "").add("Modal-Secret", "");
            case 4 -> p.add("Modal-Key", "k".repeat(4_000)).add("Modal-Secret", "s".repeat(4_000));
            default -> p.add("Modal-Key", "k1\u00e9").add("Modal-Secret", "s1\u0000");
        }
    }

    /** Damages the chunked framing (only meaningful on a chunked body, harmless elsewhere). */
    private static void chunks(RequestParts p, Random rnd) {
        String body = p.body;
        int firstLine = body.indexOf("\r\n");
        if (!p.has("Transfer-Encoding") || firstLine < 0) {
            p.set("Transfer-Encoding", "chunked");
            p.body = body + "5\r\nhello\r\n";
            return;
        }
        p.body = switch (rnd.nextInt(5)) {
            case 0 -> pick(rnd, "zz", "-1", "fffffffffffffffffff", " 5", "5 ", "0x5", "", "1;\u0001", "+1")
                    + body.substring(firstLine);
            case 1 -> body.substring(0, Math.max(0, body.lastIndexOf("0\r\n"))); // no last chunk
            case 2 -> body.substring(0, body.length() - 2) + "Bad Trailer\r\n\r\n";
            case 3 -> "1" + body.substring(firstLine); // more data than the size says
            default -> body.substring(0, firstLine) + ";" + "e".repeat(9_000) + body.substring(firstLine);
        };
    }

    private static byte[] flipBytes(byte[] b, Random rnd) {
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    /** Replaces one CRLF, chosen at random, by {@code with}. */
    private static byte[] atCrlf(byte[] b, Random rnd, String with) {
        int crlfs = 0;
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                crlfs++;
            }
        }
        if (crlfs == 0) {
            return b;
        }
        int chosen = rnd.nextInt(crlfs);
        for (int i = 0, seen = 0; ; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && seen++ == chosen) {
                byte[] replacement = with.getBytes(StandardCharsets.ISO_8859_1);
                return concat(concat(slice(b, 0, i), replacement), slice(b, i + 2, b.length));
            }
        }
    }

    private static byte[] replaceAllCrlf(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        for (int i = 0; i < b.length; i++) {
            if (!(b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n')) {
                out.write(b[i]);
            }
        }
        return out.toByteArray();
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        return concat(concat(slice(b, 0, at), what), slice(b, at, b.length));
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return Arrays.copyOfRange(b, from, to);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @SafeVarargs
    private static <T> T pick(Random rnd, T... choices) {
        return choices[rnd.nextInt(choices.length)];
    }
}
