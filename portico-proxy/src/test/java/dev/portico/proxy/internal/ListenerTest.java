package dev.portico.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * A listener accepts a burst of connections in one loop turn, not one per turn (Netty's default for
 * server channels), so that the last of a burst does not wait for the traffic of all the others.
 */
class ListenerTest {

    @Test
    void aListenerKeepsAcceptingUpToItsLimitInOneTurn() {
        EmbeddedChannel channel = new EmbeddedChannel();
        RecvByteBufAllocator.Handle handle = ProxyEngine.acceptAllocator().newHandle();
        handle.reset(channel.config());

        for (int accepted = 1; accepted <= ProxyEngine.ACCEPTS_PER_READ; accepted++) {
            handle.lastBytesRead(1); // an accept reports a positive value (the new socket), no bytes
            handle.incMessagesRead(1);
            assertThat(handle.continueReading())
                    .as("after %d accepts", accepted)
                    .isEqualTo(accepted < ProxyEngine.ACCEPTS_PER_READ);
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
