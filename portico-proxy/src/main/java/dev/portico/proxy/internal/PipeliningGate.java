package dev.portico.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One request at a time per client connection: a request that arrives (pipelined) while the previous
 * one's response is not complete is held here, in order, and passed on once that response completes.
 * Reading stops only while something is held, so a client that does not pipeline costs no read
 * toggling (each toggle is a system call with epoll); the body of the current request always passes.
 *
 * <p>Once a response that announces the connection's close is complete, nothing more is passed on
 * (RFC 9112 §9.6: no request after that one is processed): what is held and whatever is read later is
 * dropped, reading on so that the {@link LingeringClose} finds no unread input.
 */
final class PipeliningGate extends ChannelDuplexHandler implements Runnable {

    private final ConnectionState conn;
    private ChannelHandlerContext ctx;
    /** Messages of requests that arrived while another was in flight; owned here until passed on or released. */
    private ArrayDeque<Object> held;
    /** A request has been passed on and its response is not complete. */
    private boolean inFlight;
    private boolean interim;
    private boolean drainScheduled;
    /** The response being written announces that the connection closes after it. */
    private boolean lastResponse;
    /** That response is complete: everything read is dropped. */
    private boolean closing;

    PipeliningGate(ConnectionState conn) {
        this.conn = conn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if ((held != null && !held.isEmpty()) || (inFlight && msg instanceof HttpRequest)) {
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.add(msg);
            conn.suspendReads(ConnectionState.PIPELINING);
            return;
        }
        admit(ctx, msg);
    }

    private void admit(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inFlight = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            interim = HttpMessages.isInterim(response);
            if (!interim) {
                lastResponse = response.headers()
                        .containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
            }
        }
        if (msg instanceof LastHttpContent) {
            if (interim) {
                interim = false;
            } else {
                responseComplete();
            }
        }
        ctx.write(msg, promise);
    }

    private void responseComplete() {
        inFlight = false;
        if (lastResponse) {
            closing = true;
            releaseHeld();
            conn.resumeReads(ConnectionState.PIPELINING);
            return;
        }
        if (held != null && !held.isEmpty() && !drainScheduled) {
            // Not from here: we are inside the write of the previous response.
            drainScheduled = true;
            ctx.executor().execute(this);
        }
    }

    /** Passes on held messages up to the next request that must wait. */
    @Override
    public void run() {
        drainScheduled = false;
        if (ctx.isRemoved() || held == null) {
            return;
        }
        boolean passed = false;
        Object next;
        while ((next = held.peek()) != null && !(inFlight && next instanceof HttpRequest)) {
            held.poll();
            admit(ctx, next);
            passed = true;
        }
        if (passed) {
            ctx.fireChannelReadComplete();
        }
        if (held.isEmpty()) {
            conn.resumeReads(ConnectionState.PIPELINING);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    private void releaseHeld() {
        if (held != null) {
            Object msg;
            while ((msg = held.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
