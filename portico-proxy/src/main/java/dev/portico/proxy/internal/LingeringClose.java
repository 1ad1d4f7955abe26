package dev.portico.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after its last response without losing any of that response (RFC 9112 §9.6).
 * Closing a socket with unread input makes the kernel reset the connection and drop what it has not sent
 * yet, such as the end of a large response to a slow reader, or the refusal of a malformed request. And
 * input is unread whenever the client is still sending: the body of a refused request, requests pipelined
 * behind the last one answered.
 *
 * <p>So the connection closes in stages: output first (the client gets all that was written, then the end),
 * while what still comes in is read and dropped ({@link PipeliningGate} passes nothing on after a response
 * that announces the close); then the whole connection, as soon as the client closes its side, or after
 * {@link #LINGER_MILLIS} at the latest. Added to the write of the last response, instead of a plain close.
 */
final class LingeringClose implements ChannelFutureListener {

    static final LingeringClose INSTANCE = new LingeringClose();
    /** Long enough for a client to read its answer and close; short, as the connection serves nothing more. */
    static final long LINGER_MILLIS = 2_000;

    private LingeringClose() {}

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel channel = written.channel();
        if (!written.isSuccess() || !(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
            channel.close();
            return;
        }
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(
                () -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(closed -> deadline.cancel(false));
        channel.config().setAutoRead(true); // input must be drained for the final close to be clean
        shutdownOutput(duplex);
    }

    /**
     * Sends the FIN after what was written. On io_uring and epoll this is the socket's own
     * {@code shutdown(SHUT_WR)}, not the channel's {@code shutdownOutput()}: Netty's makes a
     * {@code ChannelOutputShutdownException}, with its stack trace, to fail writes that can no longer
     * come, and filling that trace took about 4% of the proxy's CPU time when every request came on
     * a new connection (perf, bench/proxy.sh's churn). Nothing is written after this point
     * ({@link PipeliningGate} drops what comes after a closing response) and the last write has
     * completed, so the kernel sends the FIN after all of it either way.
     */
    private static void shutdownOutput(DuplexChannel channel) {
        if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
            } catch (IOException e) {
                channel.close();
            }
        } else {
            channel.shutdownOutput().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}
