package dev.portico.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's loops wait for I/O without a deadline when nothing is scheduled on them, and its timers
 * run their tasks on the loop they belong to. Real loops, on the transport the build runs with.
 */
class TimersTest {

    private final ProxyEventLoopGroup group = new ProxyEventLoopGroup(
            1, new DefaultThreadFactory("timers-test", true), Transport.detect().ioHandlerFactory());
    private final Timers timers = new Timers();

    @AfterEach
    void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        timers.close();
    }

    private long deadlineOf(EventLoop loop) throws Exception {
        return loop.submit(() -> ((ProxyEventLoopGroup.Loop) loop).deadlineNanos()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aLoopWithNothingScheduledHasNoDeadline() throws Exception {
        EventLoop loop = group.next();
        assertThat(deadlineOf(loop)).isEqualTo(-1);

        ScheduledFuture<?> scheduled = loop.schedule(() -> { }, 1, TimeUnit.HOURS);
        assertThat(deadlineOf(loop)).isNotEqualTo(-1);

        scheduled.cancel(false);
        assertThat(deadlineOf(loop)).isEqualTo(-1);
    }

    @Test
    void aTimerRunsItsTaskOnItsLoopAndLeavesNothingScheduledThere() throws Exception {
        EventLoop loop = group.next();
        AtomicBoolean onLoop = new AtomicBoolean();
        CountDownLatch ran = new CountDownLatch(1);
        timers.schedule(loop, () -> {
            onLoop.set(loop.inEventLoop());
            ran.countDown();
        }, TimeUnit.MILLISECONDS.toNanos(20));

        assertThat(deadlineOf(loop)).isEqualTo(-1);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(onLoop).isTrue();
    }

    @Test
    void aCancelledTimerDoesNotRun() throws Exception {
        EventLoop loop = group.next();
        AtomicInteger runs = new AtomicInteger();
        // Far enough ahead that the cancel below comes first even on a loaded machine.
        ScheduledFuture<?> cancelled = timers.schedule(loop, runs::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(500));
        CountDownLatch later = new CountDownLatch(1);
        timers.schedule(loop, later::countDown, TimeUnit.MILLISECONDS.toNanos(600));

        assertThat(cancelled.cancel(false)).isTrue();
        assertThat(later.await(5, TimeUnit.SECONDS)).isTrue(); // the timer thread is past the cancelled one
        assertThat(runs).hasValue(0);
    }

    @Test
    void aPeriodicTimerKeepsRunningAndAStoppedLoopIsSkipped() {
        EventLoop loop = group.next();
        AtomicInteger runs = new AtomicInteger();
        timers.scheduleWithFixedDelay(loop, runs::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);

        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        int atStop = runs.get();
        CountDownLatch later = new CountDownLatch(1);
        timers.schedule(group.next(), later::countDown, TimeUnit.MILLISECONDS.toNanos(50)); // rejected, skipped
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> runs.get() == atStop);
        assertThat(later.getCount()).isEqualTo(1);
    }
}
