package dev.portico.proxy.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringAdaptiveBufferRingAllocator;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.List;
import java.util.function.Supplier;

/**
 * The socket transport: io_uring by default, epoll where io_uring does not load (an old kernel, or a
 * container whose seccomp profile forbids it), NIO where neither does. io_uring hands the system calls
 * of many connections to the kernel in one batch, so that each send to a container wakes it once per
 * batch instead of once per request: on this project's machines 1.6-1.75× nginx's throughput at 64
 * connections against 0.9-1.0× with epoll (bench/proxy.sh). Another one on request
 * ({@code PORTICO_PROXY_TRANSPORT=epoll portico up}, or {@code -Dportico.proxy.transport=epoll}).
 *
 * <p>On io_uring each event loop registers a ring of receive buffers with the kernel, and every socket
 * reads with one multishot receive that stays armed: the kernel picks a buffer and posts the bytes as
 * they arrive. Without it each read is a POLL_ADD, its completion, then a RECV submitted and completed
 * (a readiness round trip per read, two reads per proxied request); with it, a request costs four
 * {@code io_uring_enter} calls instead of six, and the latency the proxy adds at one connection drops
 * by 4-6 µs, to within 3 µs of nginx's either way (bench/proxy.sh), with the same throughput at 64
 * connections. The ring holds {@value #BUFFER_RING_SIZE} buffers of 1-64 KiB (sized to recent reads)
 * from the pooled allocator.
 *
 * <p>Every socket, accepted or connected, sends without delay ({@code TCP_NODELAY}): Netty's socket
 * channels set it when they are made, on each of these transports, so the proxy does not set it again,
 * which would be one more system call per socket, two per proxied connection (TransportTest checks it).
 *
 * @param socketOptions set on every socket, accepted or connected, before it is registered
 * @param why how it was chosen, for the log
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass,
        Supplier<Channel> socketChannelFactory,
        List<SocketOption<?>> socketOptions,
        String why) {

    /** A socket option particular to the transport. */
    public record SocketOption<T>(ChannelOption<T> option, T value) {

        public void applyToAccepted(ServerBootstrap bootstrap) {
            bootstrap.childOption(option, value);
        }

        public void applyTo(ChannelConfig config) {
            config.setOption(option, value);
        }
    }

    public static final String PROPERTY = "portico.proxy.transport";
    public static final String ENVIRONMENT = "PORTICO_PROXY_TRANSPORT";
    private static final String POLL_ADD_MULTISHOT = "io.netty.iouring.pollAddMultishotEnabled";
    private static final short BUFFER_GROUP = 1;
    /** Buffers in each loop's ring (a power of two); the ring grows by a batch when it runs dry. */
    private static final short BUFFER_RING_SIZE = 256;
    private static final int BUFFER_RING_BATCH = 32;

    /**
     * What the system property {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT},
     * asks for ({@code io_uring}, the default, {@code epoll} or {@code nio}), if it loads.
     */
    public static Transport detect() {
        String asked = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        String wanted = asked == null ? "io_uring" : asked;
        String why = asked == null ? "default" : "asked for";
        return switch (wanted) {
            case "nio" -> nio(why);
            case "epoll" -> epollOrNio(why);
            case "io_uring" -> ioUringOrEpoll(why);
            default -> throw new IllegalArgumentException(
                    ENVIRONMENT + " (or -D" + PROPERTY + ") must be io_uring, epoll or nio, not '" + wanted + "'");
        };
    }

    private static Transport ioUringOrEpoll(String why) {
        // Set before IoUring's class initializer reads it. Why: with multishot POLL_ADD (Netty 4.2.18's
        // default), a client that half-closed after sending a request with its body cut short was, now
        // and then, never read again: its FIN went unseen, the connection stayed open and the request
        // stayed in flight for good, which keeps a server from scaling to zero (ProxyFuzzTest: 25-30
        // of 43,000 requests). With one-shot polls, armed again after each read, none; the throughput
        // is the same within noise. A value set explicitly is kept.
        if (System.getProperty(POLL_ADD_MULTISHOT) == null) {
            System.setProperty(POLL_ADD_MULTISHOT, "false");
        }
        if (IoUring.isAvailable()) {
            return ioUring(why);
        }
        return epollOrNio(why + "; io_uring unavailable: " + IoUring.unavailabilityCause());
    }

    /** Each loop with a ring of receive buffers where the kernel has them (5.19 and later). */
    private static Transport ioUring(String why) {
        IoUringIoHandlerConfig loops = new IoUringIoHandlerConfig();
        List<SocketOption<?>> socketOptions = List.of();
        if (IoUring.isRegisterBufferRingSupported()) {
            loops.setBufferRingConfig(IoUringBufferRingConfig.builder()
                    .bufferGroupId(BUFFER_GROUP)
                    .bufferRingSize(BUFFER_RING_SIZE)
                    .batchSize(BUFFER_RING_BATCH)
                    .allocator(new IoUringAdaptiveBufferRingAllocator())
                    .build());
            socketOptions = List.of(new SocketOption<>(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP));
        }
        return new Transport("io_uring", IoUringIoHandler.newFactory(loops), IoUringServerSocketChannel.class,
                IoUringSocketChannel::new, socketOptions, why);
    }

    private static Transport epollOrNio(String why) {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel::new, List.of(), why);
        }
        return nio(why + "; epoll unavailable: " + Epoll.unavailabilityCause());
    }

    public static Transport nio(String why) {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel::new,
                List.of(), why);
    }
}
