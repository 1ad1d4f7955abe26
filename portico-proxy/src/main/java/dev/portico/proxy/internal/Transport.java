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
import java.util.function.Supplier;

/** The socket transport: native epoll where available, NIO elsewhere. */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass,
        Supplier<Channel> socketChannelFactory) {

    public static final String PROPERTY = "portico.proxy.transport";

    /** Epoll when available, unless the system property {@value #PROPERTY} says {@code nio}. */
    public static Transport detect() {
        if (Epoll.isAvailable() && !"nio".equals(System.getProperty(PROPERTY))) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel::new);
        }
        return nio();
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel::new);
    }

    /** Why epoll is not used, or null when it is. */
    public static Throwable epollUnavailabilityCause() {
        return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
    }
}
