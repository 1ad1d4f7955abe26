package dev.portico.proxy.internal;

import io.netty.channel.Channel;
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
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.function.Supplier;

/**
 * The socket transport. Native epoll by default; NIO where it does not load. io_uring on request
 * ({@code PORTICO_PROXY_TRANSPORT=io_uring portico up}, or {@code -Dportico.proxy.transport=io_uring}):
 * it sends the system calls of many connections to the kernel in one batch, which on this
 * project's machines gave about 1.5× nginx's throughput at 64 connections against about 1.0× with
 * epoll (bench/proxy.sh), but it is not the default yet: the proxy fuzz test leaves a request
 * counted in flight on it, which epoll does not, and that is not understood.
 *
 * @param why how it was chosen, for the log
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass,
        Supplier<Channel> socketChannelFactory,
        String why) {

    public static final String PROPERTY = "portico.proxy.transport";
    public static final String ENVIRONMENT = "PORTICO_PROXY_TRANSPORT";

    /**
     * What the system property {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT},
     * asks for ({@code epoll}, the default, {@code io_uring} or {@code nio}), if it loads.
     */
    public static Transport detect() {
        String asked = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        String wanted = asked == null ? "epoll" : asked;
        String why = asked == null ? "default" : "asked for";
        return switch (wanted) {
            case "nio" -> nio(why);
            case "epoll" -> epollOrNio(why);
            case "io_uring" -> IoUring.isAvailable()
                    ? new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                            IoUringSocketChannel::new, why)
                    : epollOrNio("io_uring unavailable: " + IoUring.unavailabilityCause());
            default -> throw new IllegalArgumentException(
                    ENVIRONMENT + " (or -D" + PROPERTY + ") must be epoll, io_uring or nio, not '" + wanted + "'");
        };
    }

    private static Transport epollOrNio(String why) {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel::new, why);
        }
        return nio(why + "; epoll unavailable: " + Epoll.unavailabilityCause());
    }

    public static Transport nio(String why) {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel::new, why);
    }
}
