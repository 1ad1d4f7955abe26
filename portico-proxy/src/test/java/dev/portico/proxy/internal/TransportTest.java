package dev.portico.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which transport {@link Transport#detect()} picks. The environment variable is not set in the test JVM,
 * so the system property stands for both; it is restored afterwards (the build's epoll run sets it).
 */
class TransportTest {

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(Transport.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(Transport.PROPERTY);
        } else {
            System.setProperty(Transport.PROPERTY, saved);
        }
    }

    @Test
    void ioUringByDefaultWhereItLoadsWithOneShotPolls() {
        System.clearProperty(Transport.PROPERTY);
        Transport transport = Transport.detect();

        assertThat(transport.name()).isEqualTo(IoUring.isAvailable() ? "io_uring" : "epoll");
        assertThat(transport.why()).startsWith("default");
        assertThat(System.getProperty("io.netty.iouring.pollAddMultishotEnabled")).isEqualTo("false");
        assertThat(IoUring.isPollAddMultishotEnabled()).isFalse();
    }

    @Test
    void ioUringSocketsReceiveIntoTheLoopsBufferRingWhereTheKernelHasOne() {
        System.setProperty(Transport.PROPERTY, "io_uring");
        Transport transport = Transport.detect();

        if (transport.name().equals("io_uring") && IoUring.isRegisterBufferRingSupported()) {
            assertThat(transport.socketOptions()).singleElement().satisfies(option -> {
                assertThat(option.option()).isSameAs(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID);
                assertThat(option.value()).isEqualTo((short) 1);
            });
        } else {
            assertThat(transport.socketOptions()).isEmpty();
        }
    }

    @Test
    void epollOnRequest() {
        System.setProperty(Transport.PROPERTY, "epoll");
        Transport transport = Transport.detect();

        assertThat(transport.name()).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
        assertThat(transport.why()).startsWith("asked for");
        assertThat(transport.socketOptions()).isEmpty();
    }

    /** The proxy relies on Netty's default, not setting it itself: see {@link Transport}. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void socketsSendWithoutDelayAsMade(String name) {
        System.setProperty(Transport.PROPERTY, name);
        Transport transport = Transport.detect();
        Channel channel = transport.socketChannelFactory().get();
        try {
            assertThat(channel.config().getOption(ChannelOption.TCP_NODELAY)).as(transport.name()).isTrue();
        } finally {
            channel.unsafe().closeForcibly();
        }
    }

    @Test
    void anUnknownTransportIsRefusedWithTheChoices() {
        System.setProperty(Transport.PROPERTY, "kqueue");

        assertThatThrownBy(Transport::detect)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PORTICO_PROXY_TRANSPORT (or -Dportico.proxy.transport) must be io_uring, epoll or nio,"
                        + " not 'kqueue'");
    }
}
