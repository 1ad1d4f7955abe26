package dev.portico.proxy.internal;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Decodes a container connection's responses. In place of {@code HttpClientCodec}'s decoder, for two
 * things that one does not offer:
 * <ul>
 *   <li>The exchange tells it whether the request was HEAD, whose final response has no body whatever
 *       its headers say (RFC 9110 §9.3.2). One request at a time goes over a container connection, so
 *       no queue of methods is needed.
 *   <li>{@link #holdsBytes()}: whether bytes beyond the responses decoded so far are buffered. A
 *       container that sends more than its response's framing allows (bytes beyond its Content-Length,
 *       say) leaves them behind; such a connection must not go back to the pool, where they would be
 *       read as the start of the next exchange's response and fail a request that did nothing wrong.
 *       {@link IdleGuard} closes a pooled connection on the bytes that come later.
 * </ul>
 */
final class ResponseDecoder extends HttpResponseDecoder {

    /** The current exchange's request is HEAD; set by {@link Forwarder} before it writes the request. */
    boolean headRequest;

    ResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        if (headRequest && ((HttpResponse) msg).status().code() >= 200) {
            return true;
        }
        return super.isContentAlwaysEmpty(msg); // 1xx, 204, 304
    }

    boolean holdsBytes() {
        return actualReadableBytes() > 0;
    }
}
