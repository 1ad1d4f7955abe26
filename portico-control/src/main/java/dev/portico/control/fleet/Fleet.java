package dev.portico.control.fleet;

import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import dev.portico.api.routing.Endpoint;
import dev.portico.api.routing.Route;
import dev.portico.api.routing.RoutingTable;
import dev.portico.control.DataPlane;
import dev.portico.control.ServerKey;
import dev.portico.control.store.Store;
import dev.portico.control.store.StoreException;
import dev.portico.runtime.ContainerExit;
import dev.portico.runtime.ContainerExitedException;
import dev.portico.runtime.ContainerRuntime;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.NodeInfo;
import dev.portico.runtime.RunningContainer;
import dev.portico.runtime.StartupTimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every live container and its lifecycle (DESIGN.md §4): launch, readiness, health checks, drain,
 * stop, failure. The fleet is the one place where container state changes, and each change is
 * stored before anything else follows from it; routing snapshots are derived from this state and
 * published on every change that affects them.
 *
 * <pre>
 *  start() ─▶ STARTING ──port accepts──▶ READY ──drain()──▶ DRAINING ──idle or grace over──▶ STOPPING ─▶ STOPPED
 *                │                          │ health fails N×                                   (SIGTERM, 30 s, SIGKILL)
 *                └─ timeout / exit ─▶ FAILED ◀─ exits on its own
 * </pre>
 *
 * <p>Policy (how many containers, which version) is not decided here: the reconciler and the
 * deployer call {@link #start} and {@link #drain}. All mutable state is guarded by one lock; no
 * blocking I/O other than short store writes happens under it.
 */
public final class Fleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    /** A container failing this many health checks in a row is failed and replaced. */
    static final int HEALTH_FAILURE_THRESHOLD = 3;
    static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);
    static final Duration HEALTH_TIMEOUT = Duration.ofMillis(500);
    /** SIGTERM to SIGKILL (DESIGN.md §4). */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** How often a draining container's in-flight count is checked. */
    private static final Duration DRAIN_POLL = Duration.ofMillis(20);
    /**
     * A drain waits at least this long, even with nothing in flight: a proxy event loop may have
     * picked the container just before the new routing snapshot reached it, and that request's
     * in-flight count may not be visible yet.
     */
    private static final Duration DRAIN_SETTLE = Duration.ofMillis(50);
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(60);

    private final Store store;
    private final ContainerRuntime runtime;
    private final DataPlane dataPlane;
    private final ContainerLaunches launches;
    private final NodeInfo node;
    private final Clock clock;
    private final Runnable onChange;
    private final ScheduledExecutorService timers;
    private final SecureRandom random = new SecureRandom();

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ManagedContainer> containers = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<Void>> readiness = new HashMap<>();
    private final Map<ServerKey, FailureStreak> failures = new HashMap<>();
    private Map<ServerKey, ActiveServer> activeServers = Map.of();
    private boolean closed;
    /** Build and publish time of each routing snapshot; null until {@link #bindMetrics}. */
    private volatile Timer routingUpdates;

    private record FailureStreak(int count, Instant last) {}

    /**
     * @param onChange called (outside the lock) after a container became ready, failed or stopped,
     *     so that the reconciler converges again
     */
    public Fleet(Store store, ContainerRuntime runtime, DataPlane dataPlane, ContainerLaunches launches,
                 Clock clock, Runnable onChange) {
        this.store = store;
        this.runtime = runtime;
        this.dataPlane = dataPlane;
        this.launches = launches;
        this.node = runtime.node();
        this.clock = clock;
        this.onChange = onChange;
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fleet-timers").factory());
        timers.scheduleAtFixedRate(this::checkHealth, HEALTH_INTERVAL.toMillis(), HEALTH_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    // ---- queries ------------------------------------------------------------------------------

    /** Every live container (not yet stopped or failed). */
    public List<ContainerView> snapshot() {
        lock.lock();
        try {
            List<ContainerView> views = new ArrayList<>(containers.size());
            for (ManagedContainer c : containers.values()) {
                views.add(new ContainerView(c.id, c.server, c.version, c.state, c.routable, c.createdAt));
            }
            return views;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a container is recorded but waiting for room on the node (not launched). */
    public boolean isWaiting(String id) {
        lock.lock();
        try {
            ManagedContainer container = containers.get(id);
            return container != null && container.isWaiting();
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long to wait before starting another container of a server whose containers keep
     * failing: 1 s after the first failure, doubling up to 60 s; zero once one became ready.
     */
    public Duration restartDelay(ServerKey key) {
        lock.lock();
        try {
            FailureStreak streak = failures.get(key);
            if (streak == null) {
                return Duration.ZERO;
            }
            Duration backoff = Duration.ofSeconds(1L << Math.min(streak.count() - 1, 6));
            if (backoff.compareTo(MAX_RESTART_DELAY) > 0) {
                backoff = MAX_RESTART_DELAY;
            }
            Duration left = Duration.between(clock.instant(), streak.last().plus(backoff));
            return left.isNegative() ? Duration.ZERO : left;
        } finally {
            lock.unlock();
        }
    }

    // ---- routing ------------------------------------------------------------------------------

    /**
     * Sets which servers are routed, and which version of each, then publishes. Containers of other
     * versions are never routed.
     */
    public void route(Map<ServerKey, ActiveServer> servers) {
        lock.lock();
        try {
            if (servers.equals(activeServers)) {
                return;
            }
            activeServers = Map.copyOf(servers);
            publish();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers {@code portico.routing.updates} (Prometheus: {@code portico_routing_updates_seconds}):
     * the time each routing snapshot takes to build and hand to the data plane, as a histogram with
     * buckets from 1 ms to 100 ms (the goal is under 10 ms with 1,000 servers).
     */
    public void bindMetrics(MeterRegistry registry) {
        routingUpdates = Timer.builder("portico.routing.updates")
                .description("Build and publish time of a routing snapshot")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                        Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100))
                .register(registry);
    }

    /** Builds the routing snapshot from the live state and hands it to the data plane. */
    private void publish() {
        long started = System.nanoTime();
        Map<String, List<Endpoint>> endpoints = new HashMap<>();
        for (ManagedContainer c : containers.values()) {
            ActiveServer active = activeServers.get(c.server);
            if (c.routable && active != null && active.version() == c.version) {
                endpoints.computeIfAbsent(c.server.hostLabel(), k -> new ArrayList<>())
                        .add(new Endpoint(c.id, c.running.address()));
            }
        }
        Map<String, Route> routes = new HashMap<>();
        for (ActiveServer active : activeServers.values()) {
            ServerKey key = active.key();
            ServerSpec spec = active.spec();
            routes.put(key.hostLabel(), new Route(key.hostLabel(), key.environment(), spec.routingRegion(),
                    spec.unauthenticated(), endpoints.getOrDefault(key.hostLabel(), List.of())));
        }
        dataPlane.publish(new RoutingTable(routes));
        Timer timer = routingUpdates;
        if (timer != null) {
            timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /**
     * Records and launches a new container. The record is stored before the process exists, so a
     * crash in between leaves a trace that recovery cleans up.
     *
     * @return the container's id and a future that completes when it is ready, exceptionally with
     *     {@link ContainerFailedException} when it fails or is stopped before that
     */
    public StartedContainer start(ServerKey key, int version, ServerSpec spec, Path artifact) {
        String id = newId();
        store.insertContainer(id, key.appId(), version, key.server());
        ManagedContainer container = new ManagedContainer(id, key, version, spec, artifact, clock.instant());
        CompletableFuture<Void> ready = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the fleet is closed");
            }
            containers.put(id, container);
            readiness.put(id, ready);
            placeOrWait(container);
        } finally {
            lock.unlock();
        }
        return new StartedContainer(id, ready);
    }

    /** Launches a recorded container if the node has room for it; otherwise it waits, with the reason stored. */
    private void placeOrWait(ManagedContainer container) {
        List<Placement.Claim> claimed = new ArrayList<>();
        for (ManagedContainer c : containers.values()) {
            if (c.claim != null) {
                claimed.add(c.claim);
            }
        }
        switch (Placement.place(container.spec, node, claimed)) {
            case Placement.Outcome.Placed placed -> {
                container.claim = placed.claim();
                log.info("container {} of {} v{}: starting", container.id, container.server, container.version);
                Thread.ofVirtual().name("launch-" + container.id).start(() -> launch(container));
            }
            case Placement.Outcome.Waiting waiting -> {
                String reason = "pending: " + waiting.reason();
                if (!reason.equals(container.reason)) {
                    transition(container, ContainerState.STARTING, reason);
                }
            }
        }
    }

    /** Gives freed room to waiting containers, oldest first. Called with the lock held. */
    private void placeWaiting() {
        for (ManagedContainer container : List.copyOf(containers.values())) {
            if (container.isWaiting() && !closed) {
                placeOrWait(container);
            }
        }
    }

    private void launch(ManagedContainer container) {
        RunningContainer running;
        try {
            running = runtime.launch(launches.launch(container.id, container.server, container.spec,
                    container.artifact, container.claim.gpus()));
        } catch (LaunchException | RuntimeException e) {
            launchFailed(container, "launch failed: " + e.getMessage());
            return;
        }
        lock.lock();
        try {
            container.running = running;
            if (container.state != ContainerState.STARTING) {
                // Drained or failed while the runtime was launching it.
                running.stop(STOP_TIMEOUT);
            } else {
                record(container, ContainerState.STARTING, addressOf(running), null);
            }
        } finally {
            lock.unlock();
        }
        CompletableFuture<Void> exitHandled = running.whenExited().thenAccept(exit -> onExit(container, exit));
        lock.lock();
        try {
            container.exitHandled = exitHandled;
        } finally {
            lock.unlock();
        }
        running.whenListening(Duration.ofSeconds(container.spec.startupTimeout()))
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        onReady(container);
                    } else {
                        onNotReady(container, error instanceof CompletionException ? error.getCause() : error);
                    }
                });
    }

    private void launchFailed(ManagedContainer container, String reason) {
        lock.lock();
        try {
            if (container.state == ContainerState.STOPPING) {
                transition(container, ContainerState.STOPPED, container.reason);
                containers.remove(container.id);
            } else {
                failLocked(container, reason);
            }
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    private void onReady(ManagedContainer container) {
        CompletableFuture<Void> ready;
        lock.lock();
        try {
            if (container.state != ContainerState.STARTING) {
                return;
            }
            transition(container, ContainerState.READY, null);
            container.routable = true;
            failures.remove(container.server);
            ready = readiness.remove(container.id);
            publish();
        } finally {
            lock.unlock();
        }
        ready.complete(null);
        onChange.run();
    }

    private void onNotReady(ManagedContainer container, Throwable error) {
        String reason = switch (error) {
            case StartupTimeoutException e -> e.getMessage();
            case ContainerExitedException e -> e.exit().outOfMemory() ? e.exit().describe() : e.getMessage();
            default -> "readiness check failed: " + error;
        };
        fail(container, reason);
    }

    private void onExit(ManagedContainer container, ContainerExit exit) {
        lock.lock();
        try {
            switch (container.state) {
                case STOPPING, DRAINING -> {
                    transition(container, ContainerState.STOPPED, container.reason);
                    forget(container);
                }
                case STARTING, READY -> failLocked(container, exit.describe());
                case STOPPED, FAILED -> forget(container);
            }
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /**
     * Takes a container out of service. A starting one is stopped at once; a ready one first stops
     * receiving new requests, then its in-flight requests get up to the server's exit grace period,
     * then it is stopped (SIGTERM, {@link #STOP_TIMEOUT}, SIGKILL).
     */
    public void drain(String id, String reason) {
        lock.lock();
        try {
            ManagedContainer container = containers.get(id);
            if (container == null || !container.isCapacity()) {
                return;
            }
            if (container.isWaiting()) {
                stopLocked(container, reason);
                transition(container, ContainerState.STOPPED, reason);
                containers.remove(container.id);
                return;
            }
            if (container.state == ContainerState.STARTING) {
                stopLocked(container, reason);
                return;
            }
            transition(container, ContainerState.DRAINING, reason);
            container.routable = false;
            publish();
            Instant deadline = clock.instant().plusSeconds(container.spec.exitGracePeriod());
            Instant settled = clock.instant().plus(DRAIN_SETTLE);
            scheduleDrainCheck(container, settled, deadline);
        } finally {
            lock.unlock();
        }
    }

    private void scheduleDrainCheck(ManagedContainer container, Instant settled, Instant deadline) {
        timers.schedule(() -> {
            Instant now = clock.instant();
            boolean idle = !now.isBefore(settled)
                    && dataPlane.inFlightByContainer().getOrDefault(container.id, 0) == 0;
            if (idle || !now.isBefore(deadline)) {
                lock.lock();
                try {
                    if (container.state == ContainerState.DRAINING) {
                        stopLocked(container, container.reason);
                    }
                } finally {
                    lock.unlock();
                }
            } else {
                scheduleDrainCheck(container, settled, deadline);
            }
        }, DRAIN_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopLocked(ManagedContainer container, String reason) {
        transition(container, ContainerState.STOPPING, reason);
        container.routable = false;
        CompletableFuture<Void> ready = readiness.remove(container.id);
        if (ready != null) {
            ready.completeExceptionally(new ContainerFailedException(container.id, "stopped before ready: " + reason));
        }
        if (container.running != null) {
            container.running.stop(STOP_TIMEOUT);
        }
    }

    private void fail(ManagedContainer container, String reason) {
        lock.lock();
        try {
            failLocked(container, reason);
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    private void failLocked(ManagedContainer container, String reason) {
        if (container.state.isFinal() || container.state == ContainerState.STOPPING) {
            return;
        }
        boolean wasRouted = container.routable;
        transition(container, ContainerState.FAILED, reason);
        container.routable = false;
        FailureStreak streak = failures.get(container.server);
        failures.put(container.server, new FailureStreak(streak == null ? 1 : streak.count() + 1, clock.instant()));
        CompletableFuture<Void> ready = readiness.remove(container.id);
        if (ready != null) {
            ready.completeExceptionally(new ContainerFailedException(container.id, reason));
        }
        if (container.running != null) {
            container.running.kill();
        } else {
            forget(container);
        }
        if (wasRouted) {
            publish();
        }
    }

    /** Drops a container whose process is gone from the live set; the store keeps its history. */
    private void forget(ManagedContainer container) {
        if (container.running == null || container.running.whenExited().isDone()) {
            containers.remove(container.id);
            if (container.claim != null) {
                placeWaiting();
            }
        }
    }

    /** Stores, applies and logs a state change: every transition is one structured log line. */
    private void transition(ManagedContainer container, ContainerState state, String reason) {
        record(container, state, null, reason);
        ContainerState from = container.state;
        container.state = state;
        container.reason = reason;
        String line = "container={} server={} version={} transition={}->{} reason=\"{}\"";
        Object[] fields = {container.id, container.server, container.version, from, state, reason == null ? "" : reason};
        if (state == ContainerState.FAILED) {
            log.warn(line, fields);
        } else {
            log.info(line, fields);
        }
    }

    /**
     * Stores a container's new state. Unlike {@link #start}, which stores before it acts, a
     * transition records what has already happened (a process exited, a port answered) or what
     * must happen regardless (a stop at shutdown). When the store cannot be written (disk full),
     * refusing the transition would leave the live state wrong and processes running, so it goes
     * ahead and the row keeps its previous state: recovery at the next start treats such a row as
     * a leftover and cleans it up.
     */
    private void record(ManagedContainer container, ContainerState state, String address, String reason) {
        try {
            store.updateContainer(container.id, state, address, reason);
        } catch (StoreException e) {
            log.error("container={} state={} not stored: {}", container.id, state, e.getMessage());
        }
    }

    // ---- health -------------------------------------------------------------------------------

    /**
     * Every second, a TCP connect to each ready container. One failure takes it out of routing;
     * {@link #HEALTH_FAILURE_THRESHOLD} in a row fail it; a success puts it back.
     */
    private void checkHealth() {
        List<ManagedContainer> ready = new ArrayList<>();
        lock.lock();
        try {
            for (ManagedContainer c : containers.values()) {
                if (c.state == ContainerState.READY) {
                    ready.add(c);
                }
            }
        } finally {
            lock.unlock();
        }
        for (ManagedContainer container : ready) {
            Thread.ofVirtual().name("health-" + container.id).start(() ->
                    onProbe(container, container.running.probe(HEALTH_TIMEOUT)));
        }
    }

    private void onProbe(ManagedContainer container, boolean healthy) {
        boolean failed = false;
        lock.lock();
        try {
            if (container.state != ContainerState.READY) {
                return;
            }
            if (healthy) {
                container.healthFailures = 0;
                if (!container.routable) {
                    container.routable = true;
                    publish();
                    log.info("container {}: healthy again, back in routing", container.id);
                }
                return;
            }
            container.healthFailures++;
            if (container.routable) {
                container.routable = false;
                publish();
                log.warn("container {}: health check failed, out of routing", container.id);
            }
            if (container.healthFailures >= HEALTH_FAILURE_THRESHOLD) {
                failLocked(container, "health check failed " + container.healthFailures + " times in a row");
                failed = true;
            }
        } finally {
            lock.unlock();
        }
        if (failed) {
            onChange.run();
        }
    }

    // ---- shutdown -----------------------------------------------------------------------------

    /**
     * Stops every container at once (SIGTERM, then SIGKILL after the stop timeout) and waits for
     * them to exit, at most {@code timeout}.
     */
    public void stopAll(Duration timeout, String reason) {
        List<CompletableFuture<Void>> exits = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            for (ManagedContainer c : List.copyOf(containers.values())) {
                if (c.isWaiting()) {
                    transition(c, ContainerState.STOPPED, reason);
                    containers.remove(c.id);
                    continue;
                }
                if (!c.state.isFinal() && c.state != ContainerState.STOPPING) {
                    stopLocked(c, reason);
                }
                if (c.exitHandled != null) {
                    // Not just whenExited(): the exit must also be recorded before the caller closes the
                    // store (a future completes its latest dependents first, so waiting on whenExited()
                    // returned before the fleet's own handler had run).
                    exits.add(c.exitHandled);
                } else if (c.running != null) {
                    exits.add(c.running.whenExited().thenApply(exit -> null));
                }
            }
            activeServers = Map.of();
            publish();
        } finally {
            lock.unlock();
        }
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("containers still running after {} s; the runtime kills them", timeout.toSeconds());
        } catch (ExecutionException e) {
            log.warn("handling a container's exit failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private String newId() {
        final String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder id = new StringBuilder("ct-");
        for (int i = 0; i < 10; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static String addressOf(RunningContainer running) {
        return running.address().getAddress().getHostAddress() + ":" + running.address().getPort();
    }
}
