package dev.portico.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.api.routing.Authenticator;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmarks runnable: each state's setup and each benchmark method once, outside JMH
 * (the benchmarks themselves run only from bench/jmh.sh).
 */
class BenchmarksSmokeTest {

    @Test
    void routingFindsKnownHostsOnly() {
        RoutingBench bench = new RoutingBench();
        bench.setup();
        assertThat(bench.routeKnownHost()).isNotNull();
        assertThat(bench.routeUnknownHost()).isNull();
    }

    @Test
    void pickingReturnsATarget() {
        PickBench bench = new PickBench();
        bench.setup();
        assertThat(bench.leastInFlight4()).isNotNull();
        assertThat(bench.powerOfTwo32()).isNotNull();
        assertThat(bench.rendezvous3()).isNotNull();
    }

    @Test
    void tokenCheckAllowsTheValidTokenOnly() throws Exception {
        TokenCheckBench bench = new TokenCheckBench();
        bench.setup();
        try {
            assertThat(bench.tokenValid()).isEqualTo(Authenticator.Decision.ALLOW);
            assertThat(bench.tokenUnknownKey()).isEqualTo(Authenticator.Decision.UNAUTHORIZED);
        } finally {
            bench.tearDown();
        }
    }

    @Test
    void autoscalerTickDecidesForEveryServer() {
        AutoscalerTickBench bench = new AutoscalerTickBench();
        bench.setup();
        assertThat(bench.tick()).isPositive();
    }
}
