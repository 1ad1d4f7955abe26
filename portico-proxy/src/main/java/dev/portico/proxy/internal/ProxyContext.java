package dev.portico.proxy.internal;

import dev.portico.api.routing.Authenticator;
import dev.portico.proxy.LoadSink;
import dev.portico.proxy.ProxyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import dev.portico.api.routing.RoutingTable;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/** State shared by every connection of one proxy: settings, the routing snapshot, counters, loops. */
final class ProxyContext {

    /** Per connection, both sides: stop reading the other side above 128 KiB queued, resume below 32 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);
    /** Largest body slice a decoder hands on at once (slices of the read buffer, not copies). */
    static final int MAX_CHUNK_SIZE = 64 * 1024;
    /** Response heads from containers may be larger than what clients may send. */
    static final int MAX_RESPONSE_HEAD = 64 * 1024;

    private final ProxyConfig config;
    private final LoadSink loadSink;
    private final Transport transport;
    private final HttpDecoderConfig requestDecoderConfig;
    private final HttpDecoderConfig responseDecoderConfig;
    private final InFlightCounters counters = new InFlightCounters();
    /** The one instance of each endpoint address in use (guarded by {@link #counters}' monitor). */
    private final Map<InetSocketAddress, InetSocketAddress> addresses = new HashMap<>();
    private final Map<EventExecutor, LoopContext> loops = new IdentityHashMap<>();
    /** Every open client and container connection, to close them all on shutdown. */
    private final ChannelGroup channels = new DefaultChannelGroup("portico-proxy", GlobalEventExecutor.INSTANCE);
    private volatile RoutingSnapshot routes = RoutingSnapshot.UNPUBLISHED;
    private volatile Authenticator authenticator;
    private final ProxyMetrics metrics;
    private final Timers timers = new Timers();

    ProxyContext(ProxyConfig config, LoadSink loadSink, Authenticator authenticator, Transport transport,
                 MeterRegistry registry) {
        this.metrics = new ProxyMetrics(registry);
        this.config = config;
        this.loadSink = loadSink;
        this.authenticator = authenticator;
        this.transport = transport;
        this.requestDecoderConfig = strictDecoderConfig(config.maxHeaderBytes());
        this.responseDecoderConfig = strictDecoderConfig(MAX_RESPONSE_HEAD);
    }

    /**
     * Trailers are rare, yet every body's last part gets a trailers map: start those small (the
     * default factory sizes every map for a full head).
     */
    private static final HttpHeadersFactory SMALL_TRAILERS = new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
            return DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders();
        }
    };

    /** Decoding as strict as Netty allows, heads up to {@code maxHead} bytes (initial line and fields each). */
    static HttpDecoderConfig strictDecoderConfig(int maxHead) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(maxHead)
                .setMaxHeaderSize(maxHead)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setTrailersFactory(SMALL_TRAILERS); // after setValidateHeaders, which resets it
    }

    /** Called once per event loop before any channel is accepted. */
    void addLoop(EventLoop loop) {
        loops.put(loop, new LoopContext(loop, this));
    }

    LoopContext loop(EventExecutor executor) {
        LoopContext context = loops.get(executor);
        if (context == null) {
            throw new IllegalStateException("not one of this proxy's event loops: " + executor);
        }
        return context;
    }

    Collection<LoopContext> loops() {
        return loops.values();
    }

    ProxyConfig config() {
        return config;
    }

    LoadSink loadSink() {
        return loadSink;
    }

    Transport transport() {
        return transport;
    }

    HttpDecoderConfig requestDecoderConfig() {
        return requestDecoderConfig;
    }

    HttpDecoderConfig responseDecoderConfig() {
        return responseDecoderConfig;
    }

    RoutingSnapshot routes() {
        return routes;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    Authenticator authenticator() {
        return authenticator;
    }

    void authenticator(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    void update(RoutingTable table) {
        synchronized (counters) { // concurrent updates install in call order; no sweep in between
            routes = RoutingSnapshot.compile(table, counters, addresses);
        }
    }

    Timers timers() {
        return timers;
    }

    ChannelGroup channels() {
        return channels;
    }

    InFlightCounters counters() {
        return counters;
    }
}
