package dev.portico.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Decides whether the client connection persists after each response, says so in the response's
 * {@code Connection} header, and closes the connection after the response when it does not. It persists
 * when the request allows it (HTTP/1.1 without {@code close}, HTTP/1.0 with {@code keep-alive}), the
 * response does not say {@code close}, and the response's length is self-delimited; otherwise it closes
 * with a {@link LingeringClose}.
 * Modelled on Netty's {@code HttpServerKeepAliveHandler}, for one request at a time.
 */
final class KeepAlive extends ChannelDuplexHandler {

    private boolean requestKeepAlive = true;
    private boolean http10;
    private boolean headRequest;
    private boolean expectContinue;
    private boolean continueSent;
    private boolean requestDone = true;
    private boolean interim;
    private boolean closeAfterResponse;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            requestKeepAlive = HttpUtil.isKeepAlive(request);
            http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
            headRequest = request.method().equals(HttpMethod.HEAD);
            expectContinue = HttpUtil.is100ContinueExpected(request);
            continueSent = false;
            requestDone = false;
        }
        if (msg instanceof LastHttpContent) {
            requestDone = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            if (HttpMessages.isInterim(response)) {
                interim = true;
                continueSent |= response.status().code() == 100;
            } else if (persists(response)) {
                if (http10) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
            } else {
                closeAfterResponse = true;
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        if (msg instanceof LastHttpContent) {
            if (interim) {
                interim = false;
            } else if (closeAfterResponse) {
                closeAfterResponse = false;
                promise = promise.unvoid().addListener(LingeringClose.INSTANCE);
            }
        }
        ctx.write(msg, promise);
    }

    private boolean persists(HttpResponse response) {
        HttpHeaders headers = response.headers();
        if (!requestKeepAlive || headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            return false;
        }
        // A client that waits for 100-continue and got a final answer instead may never send the body.
        if (expectContinue && !continueSent && !requestDone) {
            return false;
        }
        int code = response.status().code();
        return code == 101
                || headRequest
                || code == 204
                || code == 304
                || headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                || (!http10 && HttpUtil.isTransferEncodingChunked(response));
    }
}
