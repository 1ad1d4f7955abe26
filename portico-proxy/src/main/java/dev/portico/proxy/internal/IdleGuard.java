package dev.portico.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in a container connection's pipeline, before the decoder: a pooled connection expects no byte
 * at all, so any that arrive (bytes beyond the last response's Content-Length, say) close it. Here and
 * not after the decoder, because the decoder would keep a fragment without a line end to itself, and
 * the next exchange would read it as the start of its response.
 *
 * <pre>
 * socket ─ idle-guard ─ decoder ─ encoder ─ backend
 * </pre>
 */
final class IdleGuard extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(IdleGuard.class);

    private final BackendHandler backend;

    IdleGuard(BackendHandler backend) {
        this.backend = backend;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (backend.pooled) {
            ReferenceCountUtil.release(msg);
            log.debug("{}: bytes on an idle container connection, closing", ctx.channel());
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
