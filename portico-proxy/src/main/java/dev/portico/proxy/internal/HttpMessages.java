package dev.portico.proxy.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;

/** Header rewriting for forwarded messages (RFC 9110 §7.6) and small predicates on HTTP messages. */
final class HttpMessages {

    static final AsciiString MODAL_KEY = AsciiString.cached("modal-key");
    static final AsciiString MODAL_SECRET = AsciiString.cached("modal-secret");
    static final AsciiString MODAL_SESSION_ID = AsciiString.cached("modal-session-id");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    /** The header (HttpHeaderNames.KEEP_ALIVE is deprecated, the header being obsolete, but clients send it). */
    static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    static final AsciiString HTTP = AsciiString.cached("http");

    /** Hop-by-hop headers (besides Connection and Upgrade, which depend on the upgrade case). */
    private static final AsciiString[] HOP_BY_HOP = {
        KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
        HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE,
    };

    private HttpMessages() {}

    /**
     * No Transfer-Encoding, or one field that says {@code chunked} and nothing else (the decoder trimmed
     * it): the only transfer coding the proxy decodes, and so the only one it re-encodes faithfully.
     * With any other (several fields, {@code identity} or {@code gzip} before {@code chunked}) the
     * decoder still takes the body as chunked when chunked comes last, while the next recipient, given
     * the same fields, may delimit it otherwise: see {@link FramingValidator}.
     */
    static boolean hasPlainFraming(HttpMessage message) {
        HttpHeaders headers = message.headers();
        if (!headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return true;
        }
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        return codings.size() == 1 && HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0));
    }

    /** A 1xx response other than 101: another response to the same request follows it. */
    static boolean isInterim(HttpResponse response) {
        int code = response.status().code();
        return code < 200 && code != 101;
    }

    /**
     * Turns a client's request into the one sent to a container: hop-by-hop headers (and those the
     * {@code Connection} header names) removed, {@code X-Forwarded-*} set, HTTP/1.1 (the container
     * connection stays open). {@code Host} is kept as the client sent it.
     *
     * @return whether the request asks to upgrade the connection; its Connection/Upgrade are then kept
     */
    static boolean prepareRequest(HttpRequest request, String clientIp) {
        HttpHeaders headers = request.headers();
        boolean upgrade = removeConnectionHeaders(headers) && headers.contains(HttpHeaderNames.UPGRADE);
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String forwardedFor = headers.get(X_FORWARDED_FOR);
        if (forwardedFor == null) {
            headers.set(X_FORWARDED_FOR, clientIp);
        } else {
            // Several X-Forwarded-For fields form one list (RFC 9110 §5.3); the client's IP goes last.
            StringBuilder all = new StringBuilder();
            for (Iterator<String> it = headers.valueStringIterator(X_FORWARDED_FOR); it.hasNext(); ) {
                all.append(it.next()).append(", ");
            }
            headers.set(X_FORWARDED_FOR, all.append(clientIp).toString());
        }
        headers.set(X_FORWARDED_PROTO, HTTP);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        return upgrade;
    }

    /**
     * Turns a container's response into the one sent to the client: hop-by-hop headers removed, HTTP/1.1,
     * and framing the client understands (chunked for an HTTP/1.1 client when the container delimits the
     * body by closing; none for an HTTP/1.0 client, which then reads until the connection closes).
     *
     * @param bodyless the request was HEAD, so the response has no body whatever its headers say
     * @param upgrade a 101 answering an upgrade request: Connection/Upgrade are kept
     */
    static void prepareResponse(HttpResponse response, boolean clientHttp10, boolean bodyless, boolean upgrade) {
        HttpHeaders headers = response.headers();
        removeConnectionHeaders(headers);
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        int code = response.status().code();
        if (code >= 200 && !headers.contains(HttpHeaderNames.DATE)) {
            headers.set(HttpHeaderNames.DATE, HttpDate.now()); // RFC 9110 §6.6.1: a proxy adds the missing Date
        }
        if (bodyless || code < 200 || code == 204 || code == 304) {
            return;
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (clientHttp10) {
            if (chunked) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            }
        } else if (!chunked && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * Removes Connection, the headers it names, and the other hop-by-hop headers.
     *
     * @return whether Connection had the {@code upgrade} token
     */
    private static boolean removeConnectionHeaders(HttpHeaders headers) {
        boolean upgrade = false;
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.CONNECTION); it.hasNext(); ) {
                upgrade |= removeNamedIn(headers, it.next());
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
        return upgrade;
    }

    /** Removes the headers a Connection value names; returns whether it had the upgrade token. */
    private static boolean removeNamedIn(HttpHeaders headers, String connection) {
        if (HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(connection)
                || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(connection)) {
            return false; // the common values, without tokenizing
        }
        boolean upgrade = false;
        int start = 0;
        int n = connection.length();
        while (start < n) {
            int comma = connection.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String token = connection.substring(start, end).trim();
            start = end + 1;
            if (token.isEmpty()
                    || token.equalsIgnoreCase("keep-alive")
                    || token.equalsIgnoreCase("close")) {
                continue;
            }
            if (token.equalsIgnoreCase("upgrade")) {
                upgrade = true;
            } else if (!isFramingOrRouting(token)) {
                headers.remove(token);
            }
        }
        return upgrade;
    }

    /** Headers the message framing or routing relies on: never removed because Connection names them. */
    private static boolean isFramingOrRouting(String name) {
        return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
    }
}
