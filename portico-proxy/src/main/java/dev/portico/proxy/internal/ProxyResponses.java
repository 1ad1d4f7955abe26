package dev.portico.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Responses the proxy answers itself. Bodies are built once, as read-only buffers shared by every
 * response (each response holds a retained duplicate, released by whoever writes it out).
 */
final class ProxyResponses {

    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private record Canned(HttpResponseStatus status, ByteBuf body, AsciiString length) {}

    private static final Map<Integer, Canned> CANNED = new HashMap<>();

    static {
        canned(HttpResponseStatus.BAD_REQUEST, "bad request");
        canned(HttpResponseStatus.UNAUTHORIZED, "missing or invalid Modal-Key/Modal-Secret");
        canned(HttpResponseStatus.FORBIDDEN, "token not allowed in this environment");
        canned(HttpResponseStatus.NOT_FOUND, "no such server");
        canned(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        canned(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
        canned(HttpResponseStatus.MISDIRECTED_REQUEST, "server is served by another region's proxy");
        canned(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header fields too large");
        canned(HttpResponseStatus.BAD_GATEWAY, "container unreachable or reset");
        canned(HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready container");
    }

    private ProxyResponses() {}

    private static void canned(HttpResponseStatus status, String text) {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf body = Unpooled.wrappedBuffer(bytes).asReadOnly();
        CANNED.put(status.code(), new Canned(status, body, AsciiString.of(Integer.toString(bytes.length))));
    }

    /** A response for {@code status}; {@link KeepAlive} decides whether the connection stays open. */
    static FullHttpResponse of(HttpResponseStatus status) {
        Canned canned = CANNED.get(status.code());
        if (canned == null) {
            throw new IllegalArgumentException("no canned response for " + status);
        }
        HttpHeaders headers = HEADERS.newHeaders();
        headers.add(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
        headers.add(HttpHeaderNames.CONTENT_LENGTH, canned.length());
        headers.add(HttpHeaderNames.DATE, HttpDate.now());
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, canned.status(), canned.body().retainedDuplicate(),
                headers, EmptyHttpHeaders.INSTANCE);
    }

    /** A response for {@code status} that announces the connection closes after it. */
    static FullHttpResponse closing(HttpResponseStatus status) {
        FullHttpResponse response = of(status);
        response.headers().add(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
