package dev.portico.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protection timeouts on a client connection, never a request timeout: between requests the connection
 * may stay silent for the idle timeout; once the first bytes of a request head arrive, the whole head
 * must arrive within the header-read timeout (slowloris). While a request or its response is in
 * progress nothing is timed.
 *
 * <p>One timer at a time, on {@link Timers} (not the event loop), re-armed lazily (as
 * {@code IdleStateHandler} does): a deadline moving later does not reschedule, the timer re-checks when
 * it fires. Each timer carries the generation it was armed in; one that fires after it was cancelled or
 * replaced finds a newer generation and does nothing.
 */
final class ClientTimeouts extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(ClientTimeouts.class);

    private final Timers timers;
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
    private int generation;

    ClientTimeouts(Timers timers, long headerReadNanos, long idleNanos) {
        this.timers = timers;
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
            cancel();
            schedule(now);
        }
    }

    private void schedule(long now) {
        timerDeadline = deadline;
        int armed = ++generation;
        timer = timers.schedule(ctx.executor(), () -> expire(armed), deadline - now);
    }

    private void expire(int armed) {
        if (armed != generation) {
            return; // cancelled or replaced after it fired
        }
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
            generation++;
        }
    }
}
