package dev.portico.proxy.internal;

import dev.portico.api.routing.Endpoint;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A ready container as the request path sees it: its address, its shared in-flight counter, its hash. */
public final class Target {

    final String containerId;
    /** The server the container belongs to, key of the load integrals. */
    final String serverId;
    final InetSocketAddress address;
    /** Shared by all event loops and all snapshots that contain this container. */
    public final AtomicInteger inFlight;
    /** The container's half of the rendezvous score (see {@link Rendezvous}). */
    final long rendezvousHash;

    Target(String serverId, Endpoint endpoint, InetSocketAddress address, AtomicInteger inFlight) {
        this.serverId = serverId;
        this.containerId = endpoint.containerId();
        this.address = address;
        this.inFlight = inFlight;
        this.rendezvousHash = Rendezvous.containerHash(containerId);
    }

    @Override
    public String toString() {
        return containerId + "@" + address;
    }
}
