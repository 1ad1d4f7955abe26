package dev.portico.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a request to the container {@link Picker} chose and its response back, on a connection from
 * this event loop's pool. Nothing is aggregated: each part is written on as it arrives and flushed at
 * the end of each read burst. Backpressure: while the container connection is not writable the client
 * is not read, and while the client connection is not writable the container is not read.
 *
 * <p>Ownership: a message this handler receives is owned by it until written (the write then owns it)
 * or released here; nothing is retained across calls except {@link #pendingHead}, a response head
 * (not reference counted) held to go out in one write with the body's last part.
 *
 * <p>Also the end of the container connection's pipeline, through {@link BackendHandler}, which hands
 * every event of the connection it owns to the {@code backend*} methods.
 */
final class Forwarder extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    /** No exchange: request content arriving now belongs to a refused, failed or answered request. */
    private static final int IDLE = 0;
    private static final int FORWARDING = 1;
    /** After a 101: raw bytes both ways, until either side closes. */
    private static final int TUNNEL = 2;

    /** What {@link #endExchange} does with the container connection. */
    private static final int REUSE = 0;
    private static final int CLOSE = 1;
    private static final int DETACH = 2;

    private final ConnectionState conn;
    private final LoopContext loop;
    private ChannelHandlerContext ctx;

    private int phase = IDLE;
    private BackendHandler backend;
    private Channel backendChannel;
    private boolean connected;
    private boolean backendNeedsFlush;
    private boolean clientNeedsFlush;

    // The current exchange.
    private boolean clientHttp10;
    private boolean headRequest;
    private boolean upgradeRequested;
    private boolean requestDone;
    private boolean interim;
    private boolean headWritten;
    private boolean backendReusable;
    private HttpResponse pendingHead;
    /** The request head, held until the next part or the end of the read burst (same reason as pendingHead). */
    private HttpRequest pendingRequest;
    /** Non-null while the exchange counts as in flight. */
    private Target target;
    /** The ready containers {@link #target} was picked from: where the request goes if its connect fails. */
    private Target[] candidates;
    private int redispatches;
    /** Non-null while the container connection is connecting: what to send elsewhere if it fails. */
    private UnsentRequest unsent;
    private long exchangeStartNanos;
    private LoadMeter.ServerLoad load;

    Forwarder(ConnectionState conn) {
        this.conn = conn;
        this.loop = conn.loop;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- client side: clientToProxyRequest, proxyToServerRequest

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            startExchange(request);
        } else if (msg instanceof HttpContent content) {
            requestContent(content);
        } else if (msg instanceof ByteBuf bytes && phase == TUNNEL) {
            writeToBackend(bytes);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest request) {
        Target t = conn.target;
        candidates = conn.candidates;
        conn.target = null;
        conn.candidates = null;
        if (t == null || phase != IDLE) {
            ReferenceCountUtil.release(request);
            log.warn("{}: request reached the forwarder unrouted or mid-exchange; closing", ctx.channel());
            ctx.close();
            return;
        }
        clientHttp10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        headRequest = request.method().equals(HttpMethod.HEAD);
        upgradeRequested = HttpMessages.prepareRequest(request, conn.clientIp());
        requestDone = request instanceof LastHttpContent;
        interim = false;
        headWritten = false;
        backendReusable = false;
        pendingHead = null;
        phase = FORWARDING;
        target = t;
        t.inFlight.incrementAndGet();
        exchangeStartNanos = System.nanoTime();
        load = loop.load.begin(t.serverId, exchangeStartNanos);
        redispatches = 0;

        boolean fresh = attachBackend(t, exchangeStartNanos);
        if (requestDone) {
            writeToBackend(request);
        } else {
            pendingRequest = request;
            backendNeedsFlush = true;
        }
        if (fresh) {
            backend.connect(); // may complete, or fail, right away
        }
    }

    /**
     * Takes an idle connection to the container from the loop's pool, or a new one that has yet to
     * connect. Until connected, writes wait in the channel's outbound buffer (and count for
     * writability), and copies of them in {@link #unsent}.
     *
     * @return whether the connection is new (the caller connects it once the request is written)
     */
    private boolean attachBackend(Target t, long nowNanos) {
        BackendHandler h = loop.pool.acquire(t.address, nowNanos);
        boolean fresh = h == null;
        if (fresh) {
            h = loop.newBackend(t.address);
            unsent = new UnsentRequest();
        }
        h.owner = this;
        h.decoder.headRequest = headRequest;
        backend = h;
        backendChannel = h.channel();
        connected = !fresh;
        return fresh;
    }

    private void requestContent(HttpContent content) {
        if (phase == FORWARDING && !requestDone) {
            HttpRequest head = pendingRequest;
            pendingRequest = null;
            if (content instanceof LastHttpContent last) {
                requestDone = true;
                // Head and last part in one message: one buffer when the body is small.
                writeToBackend(head == null ? last : new DefaultFullHttpRequest(head.protocolVersion(),
                        head.method(), head.uri(), last.content(), head.headers(), last.trailingHeaders()));
            } else {
                if (head != null) {
                    writeToBackend(head);
                }
                writeToBackend(content);
            }
        } else if (phase == TUNNEL) {
            writeToBackend(content.content());
        } else {
            content.release();
        }
    }

    private void writeToBackend(Object msg) {
        if (unsent != null) {
            unsent.add(msg);
        }
        backendChannel.write(msg, backendChannel.voidPromise());
        backendNeedsFlush = true;
        if (!backendChannel.isWritable()) {
            conn.suspendReads(ConnectionState.BACKPRESSURE);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBackend();
    }

    private void flushBackend() {
        if (pendingRequest != null) {
            HttpRequest head = pendingRequest; // a head whose body comes in later reads goes out now
            pendingRequest = null;
            writeToBackend(head);
        }
        if (backendNeedsFlush && connected) {
            backendNeedsFlush = false;
            backendChannel.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backendChannel != null && ctx.channel().isWritable() && !backendChannel.config().isAutoRead()) {
            backendChannel.config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ExchangeAborted.INSTANCE) {
            if (phase == FORWARDING) {
                endExchange(CLOSE);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase == TUNNEL) {
            Channel other = backendChannel;
            endExchange(DETACH);
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (phase == FORWARDING) {
            endExchange(CLOSE); // the container connection is mid-exchange: never reused
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    // ---- container side: serverToProxyResponse, proxyToClientResponse

    void backendConnected(BackendHandler h) {
        if (h == backend) {
            connected = true;
            releaseUnsent();
            flushBackend();
        }
    }

    void backendRead(BackendHandler h, Object msg) {
        if (h != backend) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (phase == TUNNEL) {
            tunnelToClient(msg);
        } else if (msg instanceof HttpResponse response) {
            responseHead(h, response);
        } else if (msg instanceof HttpContent content) {
            responseContent(h, content);
        } else {
            ReferenceCountUtil.release(msg);
            backendFailed(h, new IllegalStateException("unexpected " + msg.getClass().getSimpleName()));
        }
    }

    private void responseHead(BackendHandler h, HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            backendFailed(h, response.decoderResult().cause());
            return;
        }
        if (!HttpMessages.hasPlainFraming(response)) {
            // The client, or a cache or CDN in front that shares its connection among users, could
            // delimit the body otherwise than the decoder did (what nginx answers 502 to as well).
            ReferenceCountUtil.release(response);
            backendFailed(h, new IllegalStateException("a Transfer-Encoding other than chunked alone"));
            return;
        }
        int code = response.status().code();
        if (code >= 200 || code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            load.meters.status(code);
        }
        if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            if (upgradeRequested) {
                switchToTunnel(response);
            } else {
                ReferenceCountUtil.release(response);
                backendFailed(h, new IllegalStateException("101 to a request that did not ask to upgrade"));
            }
            return;
        }
        if (code < 200) {
            interim = true;
            if (!clientHttp10) { // HTTP/1.0 clients get no 1xx (RFC 9110 §15.2)
                HttpMessages.prepareResponse(response, false, headRequest, false);
                writeToClient(response);
            }
            return;
        }
        // Not after a HEAD: a container that wrongly sends a body with its HEAD response (a common bug)
        // may send it a little later, when the connection would already carry the next exchange, and
        // that exchange would read it as the start of its response. One new connection per HEAD is
        // the price. (A body that comes in time is caught: see ResponseDecoder and IdleGuard.)
        backendReusable = !headRequest && HttpUtil.isKeepAlive(response);
        HttpMessages.prepareResponse(response, clientHttp10, headRequest, false);
        if (response instanceof LastHttpContent) {
            responseComplete(response);
        } else {
            pendingHead = response;
        }
    }

    private void responseContent(BackendHandler h, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            backendFailed(h, cause);
            return;
        }
        if (interim) {
            if (content instanceof LastHttpContent) {
                interim = false;
            }
            if (clientHttp10) {
                content.release();
            } else {
                writeToClient(content);
            }
            return;
        }
        if (content instanceof LastHttpContent last) {
            HttpResponse head = pendingHead;
            pendingHead = null;
            // Head and last part in one message: one buffer when the body is small.
            responseComplete(head == null ? last : new DefaultFullHttpResponse(head.protocolVersion(),
                    head.status(), last.content(), head.headers(), last.trailingHeaders()));
        } else {
            writePendingHead();
            writeToClient(content);
            if (!ctx.channel().isWritable()) {
                backendChannel.config().setAutoRead(false);
            }
        }
    }

    private void writePendingHead() {
        if (pendingHead != null) {
            HttpResponse head = pendingHead;
            pendingHead = null;
            writeToClient(head);
        }
    }

    private void writeToClient(Object msg) {
        if (msg instanceof HttpResponse && !interim) {
            headWritten = true;
        }
        ctx.write(msg, ctx.voidPromise());
        clientNeedsFlush = true;
    }

    /** The response's last part: the exchange ends before it is written, so the next one starts clean. */
    private void responseComplete(Object lastPart) {
        endExchange(requestDone && backendReusable ? REUSE : CLOSE);
        headWritten = true;
        clientNeedsFlush = false;
        ctx.writeAndFlush(lastPart, ctx.voidPromise());
    }

    void backendReadComplete(BackendHandler h) {
        if (h != backend) {
            return;
        }
        writePendingHead(); // a head whose body comes in later reads goes out now
        if (clientNeedsFlush) {
            clientNeedsFlush = false;
            ctx.flush();
        }
    }

    void backendWritabilityChanged(BackendHandler h) {
        if (h == backend && backendChannel.isWritable()) {
            conn.resumeReads(ConnectionState.BACKPRESSURE);
        }
    }

    /**
     * The container connection failed (connect refused, reset, closed, malformed response) or, with a
     * null cause, closed. Before any response byte went to the client: 502; after: close the client,
     * the only way to tell it the response is incomplete.
     */
    void backendFailed(BackendHandler h, Throwable cause) {
        if (h != backend) {
            return;
        }
        if (phase == TUNNEL) {
            endExchange(CLOSE);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (cause != null) {
            log.debug("{}: container {} failed: {}", ctx.channel(), h.address, cause.toString());
        }
        if (unsent != null && redispatch()) {
            return;
        }
        boolean sent = headWritten;
        if (!sent) {
            load.meters.status(HttpResponseStatus.BAD_GATEWAY.code());
        }
        endExchange(CLOSE);
        if (!sent) {
            clientNeedsFlush = false;
            ctx.writeAndFlush(ProxyResponses.of(HttpResponseStatus.BAD_GATEWAY), ctx.voidPromise());
        } else {
            ctx.flush();
            ctx.close();
        }
    }

    /**
     * The connection to the picked container could not be opened, so not one byte of the request
     * reached it: the request goes to the next ready container instead, each at most once. This is
     * not a retry (DESIGN.md §3: a request is never sent twice; this one is sent once). A container
     * that died or stopped accepting stays in routing until the control plane notices (its exit, or
     * a health check, within a second); meanwhile its requests go to the others instead of failing.
     * A session whose container is gone moves too, as it will once the routing snapshot changes.
     *
     * @return false when no other candidate is left (the caller answers 502)
     */
    private boolean redispatch() {
        int n = candidates.length;
        if (redispatches >= n - 1) {
            return false;
        }
        redispatches++;
        Target failed = target;
        int at = 0;
        while (at < n && candidates[at] != failed) {
            at++;
        }
        Target next = candidates[(at + 1) % n];
        failed.inFlight.decrementAndGet();
        next.inFlight.incrementAndGet();
        target = next;

        BackendHandler old = backend;
        old.owner = null;
        old.channel().close();
        ArrayDeque<Object> parts = unsent.takeAll();
        releaseUnsent();
        boolean fresh = attachBackend(next, System.nanoTime());
        for (Object part; (part = parts.poll()) != null; ) {
            writeToBackend(part);
        }
        if (backendChannel.isWritable()) {
            conn.resumeReads(ConnectionState.BACKPRESSURE); // the failed connection may have suspended them
        }
        if (fresh) {
            backend.connect();
        } else {
            flushBackend();
        }
        return true;
    }

    private void releaseUnsent() {
        if (unsent != null) {
            unsent.release();
            unsent = null;
        }
    }

    /**
     * Ends the current exchange: counts it out, detaches from the container connection and, as
     * {@code fate} says, returns it to the pool, closes it, or leaves it to the caller; then lets the
     * client be read again.
     */
    private void endExchange(int fate) {
        long now = System.nanoTime();
        if (target != null) {
            target.inFlight.decrementAndGet();
            load.meters.latency(now - exchangeStartNanos);
            loop.load.end(load, now);
            target = null;
            load = null;
        }
        BackendHandler h = backend;
        Channel ch = backendChannel;
        backend = null;
        backendChannel = null;
        connected = false;
        candidates = null;
        releaseUnsent();
        pendingHead = null;
        pendingRequest = null;
        interim = false;
        phase = IDLE;
        if (h != null) {
            h.owner = null;
            if (fate == REUSE && h.decoder.holdsBytes()) {
                ch.close(); // the container sent more than its response: see ResponseDecoder
            } else if (fate == REUSE) {
                if (backendNeedsFlush) {
                    ch.flush();
                }
                if (!ch.config().isAutoRead()) {
                    ch.config().setAutoRead(true);
                }
                loop.pool.release(h, now);
            } else if (fate == CLOSE) {
                ch.close();
            }
        }
        backendNeedsFlush = false;
        conn.resumeReads(ConnectionState.BACKPRESSURE);
    }

    // ---- upgrade

    /**
     * A 101 to an upgrade request: forward it, then take HTTP out of both pipelines and relay raw bytes.
     * Encoders go first, so that bytes the decoders still hold can be relayed as they come out.
     */
    private void switchToTunnel(HttpResponse response) {
        HttpMessages.prepareResponse(response, clientHttp10, false, true);
        writeToClient(response);
        writeToClient(LastHttpContent.EMPTY_LAST_CONTENT);
        phase = TUNNEL;
        ChannelPipeline clientPipeline = ctx.pipeline();
        ChannelPipeline backendPipeline = backendChannel.pipeline();
        HttpServerCodec serverCodec = (HttpServerCodec) clientPipeline.get(ClientInitializer.CODEC);
        serverCodec.removeOutboundHandler();
        backendPipeline.remove(LoopContext.BACKEND_ENCODER);
        for (String name : ClientInitializer.HTTP_HANDLERS) {
            clientPipeline.remove(name);
        }
        conn.resumeReads(ConnectionState.PIPELINING);
        clientPipeline.remove(serverCodec); // bytes it holds come to channelRead
        backendPipeline.remove(LoopContext.BACKEND_DECODER); // bytes it holds come to backendRead
        flushBackend();
    }

    private void tunnelToClient(Object msg) {
        ByteBuf bytes = msg instanceof ByteBuf b ? b : msg instanceof ByteBufHolder holder ? holder.content() : null;
        if (bytes == null || !bytes.isReadable()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.write(bytes, ctx.voidPromise()); // a holder's content carries the holder's reference
        clientNeedsFlush = true;
        if (!ctx.channel().isWritable()) {
            backendChannel.config().setAutoRead(false);
        }
    }
}
