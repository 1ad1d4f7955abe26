package dev.portico.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.api.Regions;
import dev.portico.api.routing.RoutingTable;
import dev.portico.control.ControlPlane;
import dev.portico.control.DataPlane;
import dev.portico.control.UrlScheme;
import dev.portico.control.fleet.ContainerCommand;
import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.ContainerRuntime;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.NodeInfo;
import dev.portico.runtime.RunningContainer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A real control plane for API tests: SQLite under a temporary {@code PORTICO_HOME}, the API on an
 * ephemeral loopback port, and two apps deployed through the API itself ({@code hello} and
 * {@code spare}, each with one server {@code web}).
 *
 * <p>No container ever runs: the runtime's node offers no CPU, so every container the control plane
 * wants waits for room and is never launched. Servers deploy at zero containers, so their deploys
 * finish at once. What the API does with bad input is all these tests look at.
 */
final class ApiFixture implements AutoCloseable {

    static final String TOKEN = "test-admin-token";

    private final ControlPlane control;
    private final Http http;

    private ApiFixture(ControlPlane control) {
        this.control = control;
        this.http = new Http(control.apiAddress(), TOKEN);
    }

    static ApiFixture start(Path home) {
        Map<String, Integer> proxyPorts = new LinkedHashMap<>();
        Regions.ROUTING.forEach(region -> proxyPorts.put(region, Regions.defaultProxyPort(region)));
        ControlPlane control = ControlPlane.start(new ControlPlane.Config(home,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN,
                        new ContainerCommand(Path.of("java"), home.resolve("no-sdk.jar")),
                        new UrlScheme("portico.test", proxyPorts), Clock.systemUTC(),
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                new NoRoomRuntime(), new SilentDataPlane());
        ApiFixture fixture = new ApiFixture(control);
        try {
            fixture.deploy("hello");
            fixture.deploy("spare");
        } catch (RuntimeException | AssertionError e) {
            fixture.close();
            throw e;
        }
        return fixture;
    }

    Http http() {
        return http;
    }

    /** Fails the test unless the API still answers a valid request. */
    void assertHealthy() {
        assertThat(http.get("/v1/apps").status()).as("GET /v1/apps after the bad requests").isEqualTo(200);
    }

    private void deploy(String app) {
        Http.Answer answer = http.send("POST", "/v1/deploy?env=main&app=" + app,
                ServerJars.server("com.example.Web", "web"));
        assertThat(answer.status()).as("deploy of %s: %s", app, answer.text()).isEqualTo(200);
    }

    @Override
    public void close() {
        http.close();
        control.close();
    }

    /** A node without CPU: every container waits for room, so {@link #launch} is never reached. */
    private static final class NoRoomRuntime implements ContainerRuntime {
        @Override
        public String describe() {
            return "none (API tests)";
        }

        @Override
        public NodeInfo node() {
            return new NodeInfo("api-test", 0, 0, List.of(), null);
        }

        @Override
        public RunningContainer launch(ContainerLaunch launch) throws LaunchException {
            throw new LaunchException("API tests run no containers");
        }

        @Override
        public int removeLeftovers() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    /** No proxies: routing snapshots go nowhere and no load ever arrives. */
    private static final class SilentDataPlane implements DataPlane {
        @Override
        public void publish(RoutingTable table) {
        }

        @Override
        public Map<String, Integer> inFlightByContainer() {
            return Map.of();
        }

        @Override
        public CompletableFuture<Map<String, Double>> harvestLoad() {
            return CompletableFuture.completedFuture(Map.of());
        }
    }
}
