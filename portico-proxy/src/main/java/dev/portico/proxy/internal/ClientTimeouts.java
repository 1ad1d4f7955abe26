package dev.portico.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protection timeouts on a client connection, never a request timeout: between requests the connection
 * may stay silent for the idle timeout; once the first bytes of a request head arrive, the whole head
 * must arrive within the header-read timeout (slowloris). While a request or its response is in
 * progress nothing is timed.
 *
 * <p>One timer at a time, re-armed lazily (as {@code IdleStateHandler} does): a deadline moving later
 * does not reschedule, the timer re-checks when it fires.
 */
final class ClientTimeouts extends ChannelDuplexHandler implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ClientTimeouts.class);

    private final long headerReadNanos;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private boolean requestOpen;
    private boolean responseOpen;
    private boolean headStarted;
    private boolean interim;
    private long deadline;
    private ScheduledFuture<?> timer;
    private long timerDeadline;

    ClientTimeouts(long headerReadNanos, long idleNanos) {
        this.headerReadNanos = headerReadNanos;
        this.idleNanos = idleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(idleNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            requestOpen = true;
            responseOpen = true;
            headStarted = false;
        }
        if (msg instanceof LastHttpContent) {
            requestOpen = false;
            idleIfDone();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Bytes arrived but no complete head was decoded from them: a request head has started.
        if (!requestOpen && !responseOpen && !headStarted) {
            headStarted = true;
            arm(headerReadNanos);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            interim = HttpMessages.isInterim(response);
        }
        if (msg instanceof LastHttpContent) {
            if (interim) {
                interim = false;
            } else {
                responseOpen = false;
                idleIfDone();
            }
        }
        ctx.write(msg, promise);
    }

    private void idleIfDone() {
        if (!requestOpen && !responseOpen) {
            headStarted = false;
            arm(idleNanos);
        }
    }

    private void arm(long timeoutNanos) {
        long now = System.nanoTime();
        deadline = now + timeoutNanos;
        if (timer == null || timerDeadline - deadline > 0) {
            if (timer != null) {
                timer.cancel(false);
            }
            schedule(now);
        }
    }

    private void schedule(long now) {
        timerDeadline = deadline;
        timer = ctx.executor().schedule(this, deadline - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        timer = null;
        if (requestOpen || responseOpen || !ctx.channel().isOpen()) {
            return; // re-armed when the exchange ends
        }
        long now = System.nanoTime();
        if (deadline - now > 0) {
            schedule(now);
            return;
        }
        log.debug("{}: {} timeout, closing", ctx.channel(), headStarted ? "header-read" : "idle");
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
