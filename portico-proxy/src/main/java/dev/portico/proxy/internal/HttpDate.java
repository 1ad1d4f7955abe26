package dev.portico.proxy.internal;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;
import java.util.Date;

/**
 * The current time as a {@code Date} header value (IMF-fixdate, RFC 9110 §5.6.7), formatted once
 * per second rather than once per response. A proxy adds {@code Date} to responses it forwards
 * without one and to those it makes itself (RFC 9110 §6.6.1).
 *
 * <p>Shared by every event loop without locks: the cached pair is immutable and published through
 * a volatile field; two loops that see a new second at once both format it, which is harmless.
 */
final class HttpDate {

    private record Cached(long second, AsciiString value) {}

    private static volatile Cached cached = format(System.currentTimeMillis() / 1000);

    private HttpDate() {}

    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second() != second) {
            c = format(second);
            cached = c;
        }
        return c.value();
    }

    private static Cached format(long second) {
        return new Cached(second, AsciiString.cached(DateFormatter.format(new Date(second * 1000))));
    }
}
