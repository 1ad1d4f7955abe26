package dev.portico.proxy.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-server traffic meters: requests in flight, responses by status class, and a latency histogram
 * (first request byte to last response byte), for requests sent to containers. Denied and
 * proxy-answered requests (401, 403, 404, 421, 503) are not counted; a 502 for a failed container
 * is.
 *
 * <p>Meters are made once per server and cached in each event loop's {@link LoadMeter.ServerLoad},
 * so the request path does no lookup: it increments lock-free adders.
 */
final class ProxyMetrics {

    /** The meters of one server. */
    static final class ServerMeters {
        final AtomicInteger inFlight = new AtomicInteger();
        private final Counter[] byClass = new Counter[6];
        private final Timer latency;

        private ServerMeters(MeterRegistry registry, String serverId) {
            for (int c = 1; c <= 5; c++) {
                byClass[c] = Counter.builder("portico.proxy.responses")
                        .description("Responses to requests sent to containers, by status class")
                        .tags("server", serverId, "status", c + "xx")
                        .register(registry);
            }
            latency = Timer.builder("portico.proxy.request.latency")
                    .description("From the request's first byte to the response's last, through the proxy")
                    .tags("server", serverId)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(5))
                    .register(registry);
            Gauge.builder("portico.proxy.in.flight", inFlight, AtomicInteger::get)
                    .description("Requests sent to containers and not yet answered completely")
                    .tags("server", serverId)
                    .register(registry);
        }

        void status(int code) {
            int statusClass = code / 100;
            if (statusClass >= 1 && statusClass <= 5) {
                byClass[statusClass].increment();
            }
        }

        void latency(long nanos) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ServerMeters> servers = new ConcurrentHashMap<>();

    ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    ServerMeters forServer(String serverId) {
        return servers.computeIfAbsent(serverId, id -> new ServerMeters(registry, id));
    }
}
