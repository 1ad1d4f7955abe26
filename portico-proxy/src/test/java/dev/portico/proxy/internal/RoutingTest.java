package dev.portico.proxy.internal;

import dev.portico.api.routing.Authenticator;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The routing snapshot, the picking rules, and the picker's 503. */
class RoutingTest {

    private static Route route(String serverId, int endpoints) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            list.add(new Endpoint(serverId + "-c" + i, new InetSocketAddress("127.0.0.1", 10_000 + i)));
        }
        return new Route(serverId, "main", "us-east", true, list);
    }

    private static RoutingSnapshot snapshot(Route... routes) {
        Map<String, Route> map = new HashMap<>();
        for (Route r : routes) {
            map.put(r.serverId(), r);
        }
        return RoutingSnapshot.compile(new RoutingTable(map), new InFlightCounters(), new HashMap<>());
    }

    @Test
    void findsByFirstLabelIgnoringCaseDomainAndPort() {
        RoutingSnapshot routes = snapshot(route("main--a--b", 1), route("dev--a--b", 1));
        assertThat(routes.find("main--a--b").serverId).isEqualTo("main--a--b");
        assertThat(routes.find("MAIN--A--B.localhost:7080").serverId).isEqualTo("main--a--b");
        assertThat(routes.find("dev--a--b:80").serverId).isEqualTo("dev--a--b");
        assertThat(routes.find("main--a--bc.localhost")).isNull();
        assertThat(routes.find("main--a--")).isNull();
        assertThat(routes.find(".localhost")).isNull();
        assertThat(routes.find("")).isNull();
        assertThat(routes.find(null)).isNull();
        assertThat(RoutingSnapshot.UNPUBLISHED.find("main--a--b")).isNull();
    }

    @Test
    void manyRoutesAllFound() {
        List<Route> list = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            list.add(route("env--app--s" + i, 0));
        }
        RoutingSnapshot routes = snapshot(list.toArray(Route[]::new));
        for (int i = 0; i < 500; i++) {
            assertThat(routes.find("env--app--s" + i + ".localhost").serverId).isEqualTo("env--app--s" + i);
        }
    }

    @Test
    void leastInFlightPicksTheMinimumExactlyUpToEightTargets() {
        RoutingSnapshot routes = snapshot(route("s", 5));
        Target[] targets = routes.find("s").targets;
        int[] loads = {3, 1, 4, 0, 2};
        for (int i = 0; i < loads.length; i++) {
            targets[i].inFlight.set(loads[i]);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(Picker.leastInFlight(targets)).isEqualTo(3);
        }
    }

    @Test
    void powerOfTwoChoicesAvoidsTheBusiestBeyondEight() {
        Target[] targets = snapshot(route("s", 20)).find("s").targets;
        targets[7].inFlight.set(1_000);
        for (int i = 0; i < 1_000; i++) {
            assertThat(Picker.leastInFlight(targets)).isNotEqualTo(7);
        }
    }

    @Test
    void rendezvousIsStableAndOnlyMovesTheSessionsOfARemovedContainer() {
        Target[] three = snapshot(route("s", 3)).find("s").targets;
        Target[] two = {three[0], three[2]};
        Map<Integer, Integer> spread = new HashMap<>();
        for (int s = 0; s < 3_000; s++) {
            String session = "session-" + s;
            int pick = Rendezvous.pick(three, session);
            spread.merge(pick, 1, Integer::sum);
            assertThat(Rendezvous.pick(three, session)).isEqualTo(pick);
            if (pick != 1) {
                assertThat(two[Rendezvous.pick(two, session)]).isSameAs(three[pick]);
            }
        }
        assertThat(spread.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1_200));
    }

    @Test
    void countersSurviveUpdatesAndAreDroppedWhenIdleAndGone() {
        InFlightCounters counters = new InFlightCounters();
        Map<InetSocketAddress, InetSocketAddress> addresses = new HashMap<>();
        RoutingSnapshot first = RoutingSnapshot.compile(
                new RoutingTable(Map.of("s", route("s", 2))), counters, addresses);
        AtomicInteger c0 = first.find("s").targets[0].inFlight;
        c0.incrementAndGet();
        RoutingSnapshot second = RoutingSnapshot.compile(
                new RoutingTable(Map.of("s", route("s", 2))), counters, addresses);
        assertThat(second.find("s").targets[0].inFlight).isSameAs(c0);
        assertThat(second.find("s").targets[0].address).isSameAs(first.find("s").targets[0].address);
        RoutingSnapshot.compile(new RoutingTable(Map.of()), counters, addresses);
        assertThat(counters.snapshot()).isEqualTo(Map.of("s-c0", 1)); // gone but busy: kept
        c0.decrementAndGet();
        assertThat(counters.snapshot()).isEmpty();
        assertThat(addresses).isEmpty();
    }

    @Test
    void pickerAnswers503AndTellsTheLoadSink() {
        Set<String> asked = new HashSet<>();
        ProxyContext proxy = new ProxyContext(
                dev.portico.proxy.ProxyConfig.of(Map.of("us-east", new InetSocketAddress(0)), 1),
                asked::add, dev.portico.api.routing.Authenticator.denyAll(), Transport.nio("test"),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        EmbeddedChannel channel = new EmbeddedChannel();
        ConnectionState conn = new ConnectionState(channel, null);
        channel.pipeline().addLast(new Picker(proxy, conn));
        conn.route = snapshot(route("main--a--b", 0)).find("main--a--b");
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        assertThat(channel.<Object>readInbound()).isNull();
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status().code()).isEqualTo(503);
        response.release();
        assertThat(asked).containsExactly("main--a--b");
        channel.finishAndReleaseAll();
    }
}
