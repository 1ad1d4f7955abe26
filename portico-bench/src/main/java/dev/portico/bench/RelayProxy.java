package dev.portico.bench;

import dev.portico.proxy.internal.ProxyEventLoopGroup;
import dev.portico.proxy.internal.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;

/**
 * The floor under Portico's figures in bench/proxy.sh ({@code BENCH_FLOOR=1}), not a proxy: what the
 * toolkit Portico's proxy is built on costs before any of Portico's own work. Each client connection
 * gets a connection of its own to the backend, on the same event loop, with Portico's transport, loop
 * and socket options (Netty's defaults, {@code TCP_NODELAY} among them, as in Portico); then
 * <ul>
 *   <li>{@code relay}: bytes are passed on as read, both ways, nothing parsed;
 *   <li>{@code codec}: Netty's HTTP codecs decode each side and encode the other, the messages passed
 *       on unchanged (no header added or removed, no routing, no pooling, no checks).
 * </ul>
 * A relay adds no {@code X-Forwarded-*} header, so it answers the benchmark's requests with less work
 * than any proxy can: it bounds from below what Portico, nginx or HAProxy could reach here.
 *
 * <p>Usage: {@code RelayProxy relay|codec LISTEN_PORT BACKEND_PORT}; prints {@code ready} once listening.
 */
public final class RelayProxy {

    public static void main(String[] args) throws InterruptedException {
        boolean http = switch (args[0]) {
            case "relay" -> false;
            case "codec" -> true;
            default -> throw new IllegalArgumentException("relay or codec, not " + args[0]);
        };
        int listen = Integer.parseInt(args[1]);
        InetSocketAddress backend = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2]));
        Transport transport = Transport.detect();
        EventLoopGroup loop = new ProxyEventLoopGroup(1, new DefaultThreadFactory("relay"), transport.ioHandlerFactory());
        ServerBootstrap server = new ServerBootstrap()
                .group(loop)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.AUTO_READ, false) // until its backend connection is open
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel client) {
                        connect(transport, backend, client, http);
                    }
                });
        transport.socketOptions().forEach(option -> option.applyToAccepted(server));
        Channel listener = server.bind("127.0.0.1", listen).syncUninterruptibly().channel();
        Runtime.getRuntime().addShutdownHook(new Thread(loop::shutdownGracefully));
        System.out.println("ready: " + listener.localAddress());
        listener.closeFuture().sync();
    }

    private static void connect(Transport transport, InetSocketAddress backend, Channel client, boolean http) {
        Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(transport.socketChannelFactory()::get)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        transport.socketOptions().forEach(option -> option.applyTo(ch.config()));
                        if (http) {
                            ch.pipeline().addLast(new HttpClientCodec());
                        }
                        ch.pipeline().addLast(new Relay(client));
                    }
                });
        ChannelFuture connected = bootstrap.connect(backend);
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                client.close();
                return;
            }
            if (http) {
                client.pipeline().addLast(new HttpServerCodec());
            }
            client.pipeline().addLast(new Relay(connected.channel()));
            client.config().setAutoRead(true);
        });
    }

    /**
     * Passes what one connection reads on to its peer, flushed at the end of each read burst; stops
     * reading while the peer cannot take more, and closes the peer when its own connection closes.
     */
    private static final class Relay extends ChannelInboundHandlerAdapter {

        private final Channel peer;

        Relay(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            peer.write(msg, peer.voidPromise());
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            peer.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.close(); // what it read was flushed at the end of its read burst
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
