package dev.portico.proxy.internal;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's long-lived timers (a client connection's idle and header-read timeouts, each loop's sweep
 * of its pool), kept on a thread of their own and handed to their event loop when due, so that the
 * loops have nothing scheduled and wait for I/O without a time limit ({@link ProxyEventLoopGroup} says
 * why that matters).
 *
 * <p>A timer costs the loop nothing until it fires: arming and cancelling are a short lock on the timer
 * thread's queue, done when a connection opens or closes or a deadline moves earlier, not per request.
 * When it fires, the task is queued on its loop, which runs it like any task handed over from another
 * thread. A timer cancelled after it fired may still run once on the loop: tasks check that they are
 * still wanted (see {@link ClientTimeouts}).
 */
final class Timers implements AutoCloseable {

    private final ScheduledThreadPoolExecutor scheduler;

    Timers() {
        scheduler = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("portico-proxy-timer", true));
        scheduler.setRemoveOnCancelPolicy(true); // a connection's timer goes when the connection does
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code task} on {@code loop} in {@code delayNanos}, unless cancelled before. */
    ScheduledFuture<?> schedule(EventExecutor loop, Runnable task, long delayNanos) {
        return scheduler.schedule(() -> handOver(loop, task), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on {@code loop} every {@code periodNanos}, the first time in one period. */
    ScheduledFuture<?> scheduleWithFixedDelay(EventExecutor loop, Runnable task, long periodNanos) {
        return scheduler.scheduleWithFixedDelay(
                () -> handOver(loop, task), periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private static void handOver(EventExecutor loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // The loop is shutting down, and with it the connections the task was for.
        }
    }

    /** Drops every timer; called once the event loops have stopped. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
