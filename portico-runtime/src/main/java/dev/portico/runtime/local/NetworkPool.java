package dev.portico.runtime.local;

import dev.portico.runtime.LaunchException;
import dev.portico.runtime.local.NetworkNamespaces.Network;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few network namespaces set up ahead of time, so that a launch finds one ready instead of
 * waiting ~13 ms (much more under load) for the two {@code ip} processes that make one.
 *
 * <p>Each member is complete: namespace, veth pair, addresses, routes, loopback up, and holds its
 * subnet from the {@link AddressPool} from the moment it is made; a launch that takes it takes the
 * subnet with it, and the container's release frees both as for a namespace made at launch.
 * Members are named after their subnet ({@link NetworkNamespaces#pooled}), with the
 * instance tag, so a later instance's {@code removeLeftovers()} removes those a crashed one left,
 * taken or not. Their names are in the isolation's in-use sets from before they are created until
 * they are deleted, so this instance's own {@code removeLeftovers()} leaves them alone.
 *
 * <p>Filling happens on one virtual thread at a time, started by {@link #refill()} (after a
 * launch has started its container, never on its path); a failure stops it until the next refill.
 * While a member is still ready, the fill first waits {@value #REFILL_DELAY_MILLIS} ms: its
 * {@code ip} processes would otherwise compete for the CPU with the container just started, on
 * its way to {@code exec}ing the user's command (on a loaded 2-core VM the wait cut the median
 * from {@code launch()} to that {@code exec} by a few milliseconds). An empty pool is refilled at
 * once. {@link #close()} stops the fill and deletes the members nobody took.
 */
final class NetworkPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NetworkPool.class);
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long REFILL_DELAY_MILLIS = 50;

    private final int size;
    private final NetworkNamespaces namespaces;
    private final AddressPool addresses;
    private final Set<String> namespacesInUse;
    private final Set<String> interfacesInUse;
    private final Deque<Network> ready = new ArrayDeque<>();
    private Thread filler;
    private boolean closed;

    /**
     * @param size how many members to keep ready; 0 disables the pool
     * @param namespacesInUse the isolation's set of namespaces that {@code removeLeftovers()} keeps
     * @param interfacesInUse the same for host interfaces
     */
    NetworkPool(int size, NetworkNamespaces namespaces, AddressPool addresses, Set<String> namespacesInUse,
            Set<String> interfacesInUse) {
        this.size = size;
        this.namespaces = namespaces;
        this.addresses = addresses;
        this.namespacesInUse = namespacesInUse;
        this.interfacesInUse = interfacesInUse;
    }

    /**
     * A ready member for container {@code containerId}, which now owns it (and its subnet); empty
     * when none is ready. Does not refill: call {@link #refill()} once the launch is under way.
     */
    Optional<Network> take(String containerId) {
        while (true) {
            Network network;
            synchronized (this) {
                network = ready.pollFirst();
            }
            if (network == null) {
                return Optional.empty();
            }
            try {
                // Someone (a removeLeftovers() of another instance with this tag) may have deleted it.
                if (NetworkNamespaces.exists(network)) {
                    NetworkNamespaces.label(network.hostInterface(), containerId);
                    return Optional.of(network);
                }
                log.debug("pooled network {} is gone", network.namespace());
            } catch (IOException e) {
                log.debug("cannot label {}: {}", network.hostInterface(), e.toString());
            }
            discard(network);
        }
    }

    /**
     * Starts filling the pool up in the background, unless it is full, closed or being filled
     * (a fill that waits is told to start at once when the pool is empty).
     */
    synchronized void refill() {
        if (closed || ready.size() >= size) {
            return;
        }
        if (filler != null) {
            notifyAll();
            return;
        }
        filler = Thread.ofVirtual().name("portico-network-pool").start(this::fill);
    }

    /** Members ready now. */
    synchronized int readyCount() {
        return ready.size();
    }

    private void fill() {
        try {
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFILL_DELAY_MILLIS);
                long remaining;
                while (!closed && !ready.isEmpty() && (remaining = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, remaining);
                }
            }
            while (true) {
                synchronized (this) {
                    if (closed || ready.size() >= size) {
                        return;
                    }
                }
                Network network = create();
                if (network == null) {
                    return;
                }
                synchronized (this) {
                    ready.addLast(network); // also when closed meanwhile: close() deletes it
                }
            }
        } catch (InterruptedException e) {
            log.debug("network pool refill interrupted");
        } finally {
            synchronized (this) {
                filler = null;
                notifyAll();
            }
        }
    }

    /** One new member; null (logged) when it cannot be made. */
    private Network create() {
        AddressPool.Subnet subnet;
        try {
            subnet = addresses.acquire();
        } catch (LaunchException | RuntimeException e) {
            log.warn("network pool not refilled: {}", e.getMessage());
            return null;
        }
        Network network = namespaces.pooled(subnet);
        namespacesInUse.add(network.namespace());
        interfacesInUse.add(network.hostInterface());
        try {
            namespaces.create(network);
            return network;
        } catch (IOException | RuntimeException e) {
            log.warn("network pool not refilled: {}", e.getMessage());
            forget(network);
            return null;
        }
    }

    /** Deletes a member nobody took and frees its names and subnet. */
    private void discard(Network network) {
        namespaces.delete(network);
        forget(network);
    }

    private void forget(Network network) {
        namespacesInUse.remove(network.namespace());
        interfacesInUse.remove(network.hostInterface());
        addresses.release(network.subnet());
    }

    /** Stops filling, waits (bounded) for a fill under way, deletes the members nobody took. */
    @Override
    public void close() {
        List<Network> left;
        synchronized (this) {
            closed = true;
            notifyAll();
            long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
            while (filler != null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    log.warn("the network pool's refill did not end; its last member may be left behind");
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            left = new ArrayList<>(ready);
            ready.clear();
        }
        if (left.isEmpty()) {
            return;
        }
        namespaces.delete(left.stream().map(Network::namespace).toList(),
                left.stream().map(Network::hostInterface).toList());
        left.forEach(this::forget);
    }
}
