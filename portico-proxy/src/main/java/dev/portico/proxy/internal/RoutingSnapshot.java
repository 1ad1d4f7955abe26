package dev.portico.proxy.internal;

import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, compiled {@link RoutingTable}: an open-addressing table keyed by host label that is
 * probed straight from the {@code Host} header value, without allocating a substring or a lower-cased
 * copy per request.
 */
public final class RoutingSnapshot {

    /**
     * What a proxy routes by before the control plane published its first table: no host is
     * known yet, and none is known not to exist.
     */
    static final RoutingSnapshot UNPUBLISHED = new RoutingSnapshot(new RouteEntry[1]);

    private final RouteEntry[] slots;
    private final int mask;

    private RoutingSnapshot(RouteEntry[] slots) {
        this.slots = slots;
        this.mask = slots.length - 1;
    }

    /**
     * Compiles a table; every container gets the counter {@code counters} holds for its id. The
     * caller holds the monitor of {@code counters} and then calls {@link InFlightCounters#live}.
     */
    static RoutingSnapshot compile(RoutingTable table, InFlightCounters counters,
            Map<InetSocketAddress, InetSocketAddress> addresses, Set<String> liveOut) {
        int size = Integer.highestOneBit(Math.max(1, table.routes().size()) * 2 - 1) * 2;
        RouteEntry[] slots = new RouteEntry[size];
        for (Map.Entry<String, Route> e : table.routes().entrySet()) {
            String label = e.getKey().toLowerCase(Locale.ROOT);
            Route route = e.getValue();
            Target[] targets = new Target[route.endpoints().size()];
            for (int i = 0; i < targets.length; i++) {
                Endpoint endpoint = route.endpoints().get(i);
                InetSocketAddress address = addresses.computeIfAbsent(endpoint.address(), RoutingSnapshot::resolve);
                targets[i] = new Target(route.serverId(), endpoint, address, counters.counter(endpoint.containerId()));
                liveOut.add(endpoint.containerId());
            }
            RouteEntry entry = new RouteEntry(label, route, targets);
            int i = entry.labelHash & (size - 1);
            while (slots[i] != null) {
                if (slots[i].label.equals(label)) {
                    throw new IllegalArgumentException("two routes for host label " + label);
                }
                i = (i + 1) & (size - 1);
            }
            slots[i] = entry;
        }
        return new RoutingSnapshot(slots);
    }

    /**
     * Compiles a table. {@code addresses} maps each endpoint address to the one instance every snapshot
     * uses for it, so that per-loop pools can key connections by identity; it is reduced to this table's.
     */
    public static RoutingSnapshot compile(RoutingTable table, InFlightCounters counters,
            Map<InetSocketAddress, InetSocketAddress> addresses) {
        Set<String> live = new HashSet<>();
        Map<InetSocketAddress, InetSocketAddress> current = new HashMap<>();
        for (Route route : table.routes().values()) {
            for (Endpoint endpoint : route.endpoints()) {
                InetSocketAddress known = addresses.get(endpoint.address());
                if (known != null) {
                    current.put(endpoint.address(), known);
                }
            }
        }
        RoutingSnapshot snapshot = compile(table, counters, current, live);
        addresses.keySet().retainAll(current.keySet());
        addresses.putAll(current);
        counters.live(live);
        return snapshot;
    }

    private static InetSocketAddress resolve(InetSocketAddress address) {
        return address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
    }

    /**
     * The route for a {@code Host} header value: its first label (up to the first {@code .} or
     * {@code :}), compared case-insensitively; null when none matches.
     */
    public RouteEntry find(CharSequence host) {
        if (host == null) {
            return null;
        }
        int end = labelEnd(host);
        if (end == 0) {
            return null;
        }
        int hash = labelHash(host, end);
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            RouteEntry entry = slots[i];
            if (entry == null) {
                return null;
            }
            if (entry.labelHash == hash && regionMatchesIgnoreCase(entry.label, host, end)) {
                return entry;
            }
        }
    }

    static int labelEnd(CharSequence host) {
        int n = host.length();
        for (int i = 0; i < n; i++) {
            char c = host.charAt(i);
            if (c == '.' || c == ':') {
                return i;
            }
        }
        return n;
    }

    static int labelHash(CharSequence s, int end) {
        int h = 0;
        for (int i = 0; i < end; i++) {
            h = 31 * h + toLower(s.charAt(i));
        }
        return h ^ (h >>> 16);
    }

    /** {@code label} is lower case; compares it with {@code host[0, end)} ignoring ASCII case. */
    private static boolean regionMatchesIgnoreCase(String label, CharSequence host, int end) {
        if (label.length() != end) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            if (label.charAt(i) != toLower(host.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char toLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
