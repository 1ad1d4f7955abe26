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
 * The socket transport. Native epoll by default; io_uring on request ({@code
 * PORTICO_PROXY_TRANSPORT=io_uring portico up}, or {@code -Dportico.proxy.transport=io_uring}), which batches the system calls of many connections into
 * one and so gives more throughput under many connections, but measured a little more latency at
 * one connection on this project's machines (MACHINE-NOTES.md, bench/proxy.sh); NIO where neither
 * native transport loads.
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
     * asks for ({@code epoll}, {@code io_uring}, {@code nio}), if it loads.
     */
    public static Transport detect() {
        String wanted = System.getProperty(PROPERTY, System.getenv().getOrDefault(ENVIRONMENT, "epoll"));
        return switch (wanted) {
            case "nio" -> nio("asked for");
            case "io_uring" -> IoUring.isAvailable()
                    ? new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                            IoUringSocketChannel::new, "asked for")
                    : epollOrNio("io_uring unavailable: " + IoUring.unavailabilityCause());
            default -> epollOrNio("default");
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
