package dev.portico.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What one event loop owns: its pool of container connections and its load integrals. Used only on
 * that loop's thread, so neither needs a lock; a client connection and all the container connections
 * it uses share the loop.
 */
final class LoopContext {

    static final String BACKEND_GUARD = "idle-guard";
    static final String BACKEND_DECODER = "decoder";
    static final String BACKEND_ENCODER = "encoder";
    static final String BACKEND_HANDLER = "backend";
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long SWEEP_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    final EventLoop loop;
    final BackendPool pool = new BackendPool();
    final LoadMeter load;
    private final ProxyContext proxy;

    LoopContext(EventLoop loop, ProxyContext proxy) {
        this.loop = loop;
        this.proxy = proxy;
        this.load = new LoadMeter(proxy.metrics());
        proxy.timers().scheduleWithFixedDelay(loop, () -> pool.sweep(System.nanoTime()), SWEEP_PERIOD_NANOS);
    }

    /**
     * A new connection to {@code address}, registered on this loop but not connected yet: the caller
     * attaches itself as owner, may write (not flush), then calls {@link BackendHandler#connect()}.
     */
    BackendHandler newBackend(InetSocketAddress address) {
        Channel channel = proxy.transport().socketChannelFactory().get();
        channel.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
        channel.config().setWriteBufferWaterMark(ProxyContext.WATER_MARK);
        proxy.transport().socketOptions().forEach(option -> option.applyTo(channel.config()));
        ResponseDecoder decoder = new ResponseDecoder(proxy.responseDecoderConfig());
        BackendHandler handler = new BackendHandler(this, address, decoder);
        channel.pipeline()
                .addLast(BACKEND_GUARD, new IdleGuard(handler))
                .addLast(BACKEND_DECODER, decoder)
                .addLast(BACKEND_ENCODER, new HttpRequestEncoder())
                .addLast(BACKEND_HANDLER, handler);
        ChannelFuture registration = loop.register(channel);
        if (registration.isDone() && !registration.isSuccess()) {
            channel.unsafe().closeForcibly();
        } else {
            proxy.channels().add(channel);
        }
        return handler;
    }
}
