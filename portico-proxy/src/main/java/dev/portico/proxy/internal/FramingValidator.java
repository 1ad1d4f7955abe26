package dev.portico.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses requests whose framing or routing is ambiguous, then closes the connection: whatever follows
 * such a request on the connection cannot be trusted (request smuggling).
 *
 * <p>The decoder ({@code HttpServerCodec}, configured strict) already fails Content-Length together
 * with Transfer-Encoding, several Content-Length values, Transfer-Encoding on HTTP/1.0, a final coding
 * other than chunked, bad chunk sizes, bare LF line ends and invalid header characters; this handler
 * turns those failures into 400 (431 for a head over the size limit, 414 for a request line over it).
 * It adds: exactly one Host on HTTP/1.1, at most one on HTTP/1.0, made of host and port characters
 * only (a line folded into it leaves a space); a request-target of a form this method allows, an
 * absolute one turned into a path and a Host (see {@link #toOriginForm}); Transfer-Encoding, if any,
 * as one field that says {@code chunked} and nothing else; no CONNECT (405: a reverse proxy does not
 * open tunnels to arbitrary places).
 *
 * <p>Why Transfer-Encoding so strictly: the decoder takes a body as chunked when chunked is the last
 * coding of all the fields together, and the encoder chunks it again for the container under the
 * client's own fields. A container that reads only the first field ({@code Transfer-Encoding:
 * identity} before {@code Transfer-Encoding: chunked}), or one that ignores a coding it does not know,
 * would then find the end of the body elsewhere than the proxy did, and read the rest of it as a
 * second request that no check of the proxy's saw (RFC 9112 §11.2). A fuzz run caught exactly that:
 * the test backend took chunk sizes for request lines. The proxy decodes no other coding, so it
 * cannot vouch for one; 400 (RFC 9112 §6.3: a body whose length cannot be determined reliably).
 */
final class FramingValidator extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(FramingValidator.class);

    private boolean refused;
    private boolean responseStarted;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // the connection is closing; the decoder discards the rest
            return;
        }
        if (msg instanceof HttpObject object) {
            DecoderResult result = object.decoderResult();
            if (result.isFailure()) {
                ReferenceCountUtil.release(msg);
                decoderFailed(ctx, object, result.cause());
                return;
            }
            if (msg instanceof HttpRequest request) {
                responseStarted = false;
                HttpResponseStatus refusal = check(request);
                if (refusal != null) {
                    ReferenceCountUtil.release(msg);
                    refuse(ctx, refusal);
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static HttpResponseStatus check(HttpRequest request) {
        if (request.method() == HttpMethod.CONNECT) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        if (!hasValidHost(request) || !toOriginForm(request) || !HttpMessages.hasPlainFraming(request)) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        return null;
    }

    /** Exactly one Host (HTTP/1.0: at most one), of host and port characters only. */
    private static boolean hasValidHost(HttpRequest request) {
        Iterator<? extends CharSequence> hosts = request.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        }
        CharSequence host = hosts.next();
        return !hosts.hasNext() && isValidHost(host);
    }

    /**
     * Checks the request-target's form (RFC 9112 §3.2) and leaves it in origin-form: a path passes;
     * {@code *} only for OPTIONS; an absolute {@code http} or {@code https} URI becomes its path, and
     * its host (less any userinfo) replaces Host. Why: a server must take the host from an absolute
     * target and ignore Host (§3.2.2). Routing and authorizing by Host while the container reads the
     * target's host would let a request pass the checks for one server and name another to the
     * container; and a container that expects a path where the URI goes would misread it. Anything
     * else (a bare authority, which only CONNECT may send, another scheme, no host) is malformed.
     *
     * @return false when the target is malformed
     */
    private static boolean toOriginForm(HttpRequest request) {
        String target = request.uri();
        if (target.startsWith("/")) {
            return true;
        }
        if (target.equals("*")) {
            return request.method() == HttpMethod.OPTIONS;
        }
        int schemeEnd = target.indexOf("://");
        if (schemeEnd < 0) {
            return false;
        }
        String scheme = target.substring(0, schemeEnd);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return false;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < target.length()
                && target.charAt(authorityEnd) != '/' && target.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        String authority = target.substring(authorityStart, authorityEnd);
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (!isValidHost(host) || host.charAt(0) == ':') { // isValidHost: not empty either
            return false;
        }
        String rest = target.substring(authorityEnd);
        request.setUri(rest.startsWith("/") ? rest : "/" + rest);
        request.headers().set(HttpHeaderNames.HOST, host);
        return true;
    }

    /** RFC 3986 host [":" port]: reg-name or IP-literal characters only (no spaces, e.g. from a folded line). */
    static boolean isValidHost(CharSequence host) {
        int n = host.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = host.charAt(i);
            if (c >= 128 || (HOST_CHARS[c >>> 6] & (1L << c)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static final long[] HOST_CHARS = new long[2];

    static {
        String allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]%";
        for (int i = 0; i < allowed.length(); i++) {
            char c = allowed.charAt(i);
            HOST_CHARS[c >>> 6] |= 1L << c;
        }
    }

    private void decoderFailed(ChannelHandlerContext ctx, HttpObject object, Throwable cause) {
        log.debug("{}: malformed request: {}", ctx.channel(), cause.toString());
        if (object instanceof HttpRequest) {
            // A new request: the previous response is complete (PipeliningGate orders them).
            refuse(ctx, cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException
                            ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                            : HttpResponseStatus.BAD_REQUEST);
            return;
        }
        // Mid-body (e.g. a bad chunk size): drop the container side of the exchange first.
        ctx.fireUserEventTriggered(ExchangeAborted.INSTANCE);
        if (responseStarted) {
            refused = true;
            ctx.close(); // the client has part of a response: only closing tells it
        } else {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status) {
        refused = true;
        ctx.writeAndFlush(ProxyResponses.closing(status)).addListener(LingeringClose.INSTANCE);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && !HttpMessages.isInterim(response)) {
            responseStarted = true;
        }
        ctx.write(msg, promise);
    }
}
