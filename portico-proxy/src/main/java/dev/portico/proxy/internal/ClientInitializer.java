package dev.portico.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;

/**
 * The pipeline of a client connection on one region's listener:
 * <pre>
 * codec ─ gate ─ timeouts ─ validator ─ keep-alive ─ router ─ picker ─ forwarder ⇄ container connection
 * </pre>
 */
@ChannelHandler.Sharable
final class ClientInitializer extends ChannelInitializer<Channel> {

    static final String CODEC = "codec";
    static final String GATE = "gate";
    static final String TIMEOUTS = "timeouts";
    static final String VALIDATOR = "validator";
    static final String KEEP_ALIVE = "keep-alive";
    static final String ROUTER = "router";
    static final String PICKER = "picker";
    static final String FORWARDER = "forwarder";
    /** Removed, with the codec, when a connection switches protocols. */
    static final List<String> HTTP_HANDLERS = List.of(GATE, TIMEOUTS, VALIDATOR, KEEP_ALIVE, ROUTER, PICKER);

    private final ProxyContext proxy;
    private final String region;
    private final long headerReadNanos;
    private final long idleNanos;

    ClientInitializer(ProxyContext proxy, String region) {
        this.proxy = proxy;
        this.region = region;
        this.headerReadNanos = proxy.config().headerReadTimeout().toNanos();
        this.idleNanos = proxy.config().idleTimeout().toNanos();
    }

    @Override
    protected void initChannel(Channel ch) {
        proxy.channels().add(ch);
        ConnectionState conn = new ConnectionState(ch, proxy.loop(ch.eventLoop()));
        ch.pipeline()
                .addLast(CODEC, new HttpServerCodec(proxy.requestDecoderConfig()))
                .addLast(GATE, new PipeliningGate(conn))
                .addLast(TIMEOUTS, new ClientTimeouts(proxy.timers(), headerReadNanos, idleNanos))
                .addLast(VALIDATOR, new FramingValidator())
                .addLast(KEEP_ALIVE, new KeepAlive())
                .addLast(ROUTER, new Router(proxy, region, conn))
                .addLast(PICKER, new Picker(proxy, conn))
                .addLast(FORWARDER, new Forwarder(conn));
    }
}
