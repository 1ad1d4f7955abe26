package dev.portico.proxy.internal;

import io.micrometer.core.instrument.MeterRegistry;
import dev.portico.api.routing.Authenticator;
import dev.portico.proxy.LoadSink;
import dev.portico.proxy.ProxyConfig;
import dev.portico.api.routing.RoutingTable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running proxy behind {@link dev.portico.proxy.ProxyServer}. */
public final class ProxyEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyEngine.class);
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 3;

    private final ProxyContext proxy;
    private final EventLoopGroup group;
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private volatile boolean closed;

    private ProxyEngine(ProxyContext proxy, EventLoopGroup group) {
        this.proxy = proxy;
        this.group = group;
    }

    public static ProxyEngine start(ProxyConfig config, LoadSink loadSink, Authenticator authenticator,
                                    MeterRegistry registry) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(loadSink, "loadSink");
        Objects.requireNonNull(authenticator, "authenticator");
        Transport transport = Transport.detect();
        log.info("proxy transport: {} ({})", transport.name(), transport.why());
        ProxyContext proxy = new ProxyContext(config, loadSink, authenticator, transport, registry);
        EventLoopGroup group = new ProxyEventLoopGroup(config.eventLoopThreads(),
                new DefaultThreadFactory("portico-proxy", false), transport.ioHandlerFactory());
        ProxyEngine engine = new ProxyEngine(proxy, group);
        try {
            for (EventExecutor executor : group) {
                proxy.addLoop((EventLoop) executor);
            }
            for (Map.Entry<String, InetSocketAddress> listener : config.listeners().entrySet()) {
                engine.bind(listener.getKey(), listener.getValue());
            }
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /**
     * Connections a listener accepts each time its loop finds it ready. Netty's default for server
     * channels is one: the loop then serves every other ready connection before it accepts the next.
     * A burst of clients connecting at once (a client pool opening its connections, a load balancer
     * after a restart) then waits in the accept queue for as many loop turns as there are connections,
     * and each turn grows with the traffic of those already accepted, whose requests the new ones wait
     * behind. Measured on epoll (wrk, 64 connections, first second after 5 s idle): the 64 accepts
     * took 60-250 ms, and the last connection's first request waited that long; with up to 64 per
     * turn they take 15-30 ms. io_uring re-arms its accept sooner and gained less (20-40 ms to 15-30
     * ms). A turn that accepts 64 adds a few milliseconds for the connections already served. (What
     * else such a burst costs is in the README, "Proxy transport".)
     */
    static final int ACCEPTS_PER_READ = 64;

    /**
     * Up to {@link #ACCEPTS_PER_READ} accepts per turn. Netty's "maybe more data" test compares bytes
     * read with bytes asked for, which means nothing for an accept (it would stop after the first):
     * the accept loop ends anyway when the queue is empty.
     */
    static RecvByteBufAllocator acceptAllocator() {
        return new ServerChannelRecvByteBufAllocator().respectMaybeMoreData(false).maxMessagesPerRead(ACCEPTS_PER_READ);
    }

    private void bind(String region, InetSocketAddress address) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(proxy.transport().serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, acceptAllocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyContext.WATER_MARK)
                .childHandler(new ClientInitializer(proxy, region));
        proxy.transport().socketOptions().forEach(option -> option.applyToAccepted(bootstrap));
        try {
            Channel channel = bootstrap.bind(address).syncUninterruptibly().channel();
            listeners.put(region, channel);
            log.info("proxy listening for region {} on {}", region, channel.localAddress());
        } catch (Exception e) {
            String message = "cannot listen for region " + region + " on " + address + ": " + e.getMessage();
            if (e instanceof IOException io) {
                throw new UncheckedIOException(message, io);
            }
            throw new IllegalStateException(message, e);
        }
    }

    public InetSocketAddress address(String region) {
        Channel channel = listeners.get(region);
        if (channel == null) {
            throw new IllegalArgumentException("no listener for region " + region);
        }
        return (InetSocketAddress) channel.localAddress();
    }

    public void update(RoutingTable table) {
        proxy.update(Objects.requireNonNull(table, "table"));
    }

    public void authenticator(Authenticator authenticator) {
        proxy.authenticator(Objects.requireNonNull(authenticator, "authenticator"));
    }

    public Map<String, Integer> inFlightByContainer() {
        return proxy.counters().snapshot();
    }

    public CompletableFuture<Map<String, Double>> harvestLoad() {
        proxy.counters().sweep();
        List<CompletableFuture<Map<String, Double>>> parts = new ArrayList<>();
        try {
            for (LoopContext loop : proxy.loops()) {
                parts.add(CompletableFuture.supplyAsync(loop.load::harvest, loop.loop));
            }
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(Map.of()); // closed
        }
        // Each loop divides by its own window (between its own harvests), so that the time a harvest
        // task waits in a loop's queue skews nothing: a steady 8 in flight reads exactly 8.
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            Map<String, Double> load = new HashMap<>();
            for (CompletableFuture<Map<String, Double>> part : parts) {
                part.join().forEach((server, mean) -> load.merge(server, mean, Double::sum));
            }
            return load;
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel listener : listeners.values()) {
            listener.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        proxy.channels().close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS)) {
            log.warn("proxy event loops did not stop within {} s", SHUTDOWN_TIMEOUT_SECONDS + 1);
        }
        proxy.timers().close();
    }
}
