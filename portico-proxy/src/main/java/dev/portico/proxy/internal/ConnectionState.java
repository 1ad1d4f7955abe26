package dev.portico.proxy.internal;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the handlers of one client connection share: the route and target chosen for the current request
 * (set by {@link Router} and {@link Picker}, taken by {@link Forwarder}) and the one switch for reading
 * from the client, which several handlers may want off for different reasons. Confined to the
 * connection's event loop.
 */
final class ConnectionState {

    /** The container cannot take request bytes as fast as the client sends them. */
    static final int BACKPRESSURE = 1;
    /** A request has been read completely and its response is not complete yet. */
    static final int PIPELINING = 2;

    final Channel channel;
    final LoopContext loop;

    /** The route of the request being routed; set by {@link Router}. */
    RouteEntry route;
    /** The container chosen for it; set by {@link Picker}, taken (and cleared) by {@link Forwarder}. */
    Target target;
    /** The ready containers it was chosen from; set and cleared with {@link #target}. */
    Target[] candidates;

    private int suspendedFor;
    private String clientIp;

    ConnectionState(Channel channel, LoopContext loop) {
        this.channel = channel;
        this.loop = loop;
    }

    void suspendReads(int reason) {
        if (suspendedFor == 0) {
            channel.config().setAutoRead(false);
        }
        suspendedFor |= reason;
    }

    void resumeReads(int reason) {
        if (suspendedFor != 0) {
            suspendedFor &= ~reason;
            if (suspendedFor == 0) {
                channel.config().setAutoRead(true);
            }
        }
    }

    boolean readsSuspended() {
        return suspendedFor != 0;
    }

    /** The client's IP address as text, for {@code X-Forwarded-For}. */
    String clientIp() {
        if (clientIp == null) {
            SocketAddress remote = channel.remoteAddress();
            clientIp = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? inet.getAddress().getHostAddress()
                    : "unknown";
        }
        return clientIp;
    }
}
