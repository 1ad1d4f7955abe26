package dev.portico.proxy.internal;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * The proxy's event loops: Netty's, except that a loop with nothing scheduled waits for I/O without a
 * time limit.
 *
 * <p>Why: Netty bounds every wait by the earliest scheduled task, or by one second when there is none.
 * On io_uring a bounded wait is a TIMEOUT submitted to the ring along with the wait, armed as a kernel
 * timer and cancelled by the next completion, which posts a completion of its own for the loop to
 * handle. A loop waits twice per proxied request at one connection, so that is two extra submissions,
 * completions and kernel timers per request, about 1 µs of the 35-40 µs of CPU time the proxy spends on
 * each (alternating runs of the two builds, one connection, system time per request). An unbounded wait
 * is one {@code io_uring_enter} and nothing else. The loop still wakes for any task handed to it from
 * another thread (Netty writes its eventfd). Netty's io_uring and epoll handlers read a deadline of -1
 * as "none"; its NIO handler asks for the delay instead, and so keeps waking once a second, as before.
 *
 * <p>So that nothing stays scheduled on the loops, the proxy's long-lived timers live on {@link Timers}.
 * What remains on a loop is short-lived: Netty's connect timeout while a container connection opens, and
 * a {@link LingeringClose}; while one is pending, waits are bounded as before.
 */
public final class ProxyEventLoopGroup extends MultiThreadIoEventLoopGroup {

    public ProxyEventLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory ioHandlerFactory) {
        super(threads, threadFactory, ioHandlerFactory);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        return new Loop(this, executor, ioHandlerFactory);
    }

    static final class Loop extends SingleThreadIoEventLoop {

        Loop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory ioHandlerFactory) {
            super(parent, executor, ioHandlerFactory);
        }

        /** The earliest scheduled task's deadline, or -1 when nothing is scheduled (Netty: now + 1 s). */
        @Override
        protected long deadlineNanos() {
            return nextScheduledTaskDeadlineNanos();
        }
    }
}
