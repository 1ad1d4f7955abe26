package dev.portico.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a container connection's pipeline. While an exchange uses the connection, everything is
 * handed to that exchange's {@link Forwarder} (the owner); while pooled, the connection expects nothing
 * and leaves the pool when the container closes it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter implements ChannelFutureListener {

    private static final Logger log = LoggerFactory.getLogger(BackendHandler.class);

    final LoopContext loop;
    final InetSocketAddress address;
    /** This connection's decoder, which the exchange tells whether its request is HEAD. */
    final ResponseDecoder decoder;
    private Channel channel;
    /** The exchange using this connection, or null. */
    Forwarder owner;
    boolean pooled;
    long idleSinceNanos;

    BackendHandler(LoopContext loop, InetSocketAddress address, ResponseDecoder decoder) {
        this.loop = loop;
        this.address = address;
        this.decoder = decoder;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    void connect() {
        if (channel.isOpen()) {
            channel.connect(address).addListener(this);
        } else {
            Forwarder o = owner;
            if (o != null) {
                o.backendFailed(this, new IllegalStateException("could not register a channel"));
            }
        }
    }

    /** The connect attempt finished. */
    @Override
    public void operationComplete(ChannelFuture future) {
        Forwarder o = owner;
        if (future.isSuccess()) {
            if (o != null) {
                o.backendConnected(this);
            } else {
                channel.close(); // the client went away meanwhile
            }
        } else {
            log.debug("connect to {} failed: {}", address, future.cause().toString());
            if (o != null) {
                o.backendFailed(this, future.cause()); // before closing: see exceptionCaught
            }
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Forwarder o = owner;
        if (o != null) {
            o.backendRead(this, msg); // ownership of msg passes to the exchange
        } else {
            ReferenceCountUtil.release(msg);
            log.debug("{}: unexpected data on an idle container connection, closing", channel);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Forwarder o = owner;
        if (o != null) {
            o.backendReadComplete(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Forwarder o = owner;
        if (o != null) {
            o.backendWritabilityChanged(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Forwarder o = owner;
        if (o != null) {
            o.backendFailed(this, null);
        } else if (pooled) {
            loop.pool.remove(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", channel, cause.toString());
        Forwarder o = owner;
        if (o != null) {
            // Before closing: the close fails the writes still queued (the request, when the connect
            // failed) with a ClosedChannelException, which comes back here while the exchange still
            // owns the connection, and the exchange would report that in place of the cause.
            o.backendFailed(this, cause);
        }
        ctx.close();
    }
}
