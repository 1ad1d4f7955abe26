package dev.portico.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BackendPool} in virtual time: the times are passed in, so the idle timeout is tested without
 * waiting. The connections are {@link EmbeddedChannel}s, which are active until closed.
 */
class BackendPoolTest {

    private static final InetSocketAddress CONTAINER = InetSocketAddress.createUnresolved("container", 8000);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final BackendPool pool = new BackendPool();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    /** An arbitrary origin: nanoTime readings may be negative. */
    private long now = -42 * SECOND;

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** Without a loop context: the handler needs one only when a container closes a pooled connection. */
    private BackendHandler connection() {
        BackendHandler handler = new BackendHandler(null, CONTAINER, new ResponseDecoder(new HttpDecoderConfig()));
        channels.add(new EmbeddedChannel(handler));
        return handler;
    }

    @Test
    void theMostRecentlyReturnedConnectionIsReusedFirst() {
        BackendHandler older = connection();
        BackendHandler newer = connection();
        pool.release(older, now);
        now += SECOND / 10;
        pool.release(newer, now);

        assertThat(pool.acquire(CONTAINER, now)).isSameAs(newer);
        assertThat(newer.pooled).isFalse();
        assertThat(pool.acquire(CONTAINER, now)).isSameAs(older);
        assertThat(pool.acquire(CONTAINER, now)).isNull();
    }

    @Test
    void aConnectionIdleUpToTheTimeoutIsReused() {
        BackendHandler handler = connection();
        pool.release(handler, now);
        now += BackendPool.IDLE_TIMEOUT_NANOS;

        assertThat(pool.acquire(CONTAINER, now)).isSameAs(handler);
        assertThat(handler.channel().isOpen()).isTrue();
    }

    /** Between two sweeps (a second apart), checkout alone keeps a connection past the timeout from use. */
    @Test
    void aConnectionIdlePastTheTimeoutIsClosedAtCheckoutNotReused() {
        BackendHandler handler = connection();
        pool.release(handler, now);
        now += BackendPool.IDLE_TIMEOUT_NANOS + 1;

        assertThat(pool.acquire(CONTAINER, now)).isNull();
        assertThat(handler.channel().isOpen()).isFalse();
        assertThat(pool.idleCount()).isZero();
    }

    @Test
    void theTimeoutIsBelowGunicornsTwoSecondKeepAlive() {
        assertThat(BackendPool.IDLE_TIMEOUT_NANOS).isLessThan(2 * SECOND);
    }

    @Test
    void aSweepClosesOnlyConnectionsIdlePastTheTimeout() {
        BackendHandler stale = connection();
        BackendHandler fresh = connection();
        pool.release(stale, now);
        now += SECOND;
        pool.release(fresh, now);
        now += BackendPool.IDLE_TIMEOUT_NANOS - SECOND / 2;

        pool.sweep(now);

        assertThat(stale.channel().isOpen()).isFalse();
        assertThat(stale.pooled).isFalse();
        assertThat(fresh.channel().isOpen()).isTrue();
        assertThat(pool.idleCount()).isEqualTo(1);
        assertThat(pool.acquire(CONTAINER, now)).isSameAs(fresh);
    }

    @Test
    void aClosedConnectionIsNotTakenBack() {
        BackendHandler handler = connection();
        handler.channel().close();
        pool.release(handler, now);

        assertThat(pool.idleCount()).isZero();
        assertThat(handler.pooled).isFalse();
    }
}
