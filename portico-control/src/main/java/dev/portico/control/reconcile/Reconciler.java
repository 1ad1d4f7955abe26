package dev.portico.control.reconcile;

import dev.portico.api.AutoscalerSettings;
import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import dev.portico.control.DataPlane;
import dev.portico.control.ServerKey;
import dev.portico.control.autoscale.Autoscaler;
import dev.portico.control.autoscale.AutoscalerPolicy.Decision;
import dev.portico.control.deploy.ArtifactStore;
import dev.portico.control.fleet.ActiveServer;
import dev.portico.control.fleet.ContainerView;
import dev.portico.control.fleet.Fleet;
import dev.portico.control.store.AppRecord;
import dev.portico.control.store.Store;
import dev.portico.control.store.VersionRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered convergence: compares the containers each server should have (the active
 * version of every running app, as many as the autoscaler wants) with the live ones, and starts or
 * drains containers until they agree. It keeps no memory of what it did: every pass starts from the
 * store and the fleet, so a missed event is corrected on the next pass.
 *
 * <p>Passes run one at a time on their own thread: on every tick, after every container event, and
 * at once when a request finds no ready container (zero-to-one never waits for a tick).
 *
 * <p>A deploy in progress {@link #hold holds} its app: the candidate version's containers are the
 * deployer's, not drained as strays, and with the recreate strategy the old version is not
 * restarted while it is being replaced.
 */
public final class Reconciler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** A deploy in progress: its candidate version, and whether the active one may be scaled up. */
    public record Hold(int candidateVersion, boolean freezeActive) {}

    private final Store store;
    private final Fleet fleet;
    private final Autoscaler autoscaler;
    private final ArtifactStore artifacts;
    private final DataPlane dataPlane;
    private final Clock clock;
    private final ExecutorService passes = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("reconciler").factory());
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final Map<Long, Hold> holds = new ConcurrentHashMap<>();
    private final Map<String, ActiveServer> byHostLabel = new ConcurrentHashMap<>();
    private final Set<String> coldStarts = ConcurrentHashMap.newKeySet();
    /** Host labels of servers with a container of their active version starting, as of the last pass. */
    private volatile Set<String> starting = Set.of();
    /** Autoscaler overrides, re-read from the store on every pass. */
    private volatile Map<Store.AppServer, AutoscalerSettings> overrides = Map.of();
    /** Specs and artifacts of a version never change: read each once. */
    private final Map<String, Map<String, ServerSpec>> specCache = new ConcurrentHashMap<>();
    private final Map<String, String> artifactCache = new ConcurrentHashMap<>();

    public Reconciler(Store store, Fleet fleet, Autoscaler autoscaler, ArtifactStore artifacts,
                      DataPlane dataPlane, Clock clock) {
        this.store = store;
        this.fleet = fleet;
        this.autoscaler = autoscaler;
        this.artifacts = artifacts;
        this.dataPlane = dataPlane;
        this.clock = clock;
    }

    /** Queues a pass unless one is already queued. Returns at once. */
    public void kick() {
        if (passQueued.compareAndSet(false, true)) {
            try {
                passes.execute(() -> {
                    passQueued.set(false);
                    runPass();
                });
            } catch (RejectedExecutionException closed) {
                passQueued.set(false); // the platform is shutting down: a container stopped, nothing to do
            }
        }
    }

    /** Runs a pass and waits for it (deploys use this to switch traffic before they return). */
    public void reconcileNow() {
        try {
            passes.submit(this::runPass).get();
        } catch (Exception e) {
            throw new IllegalStateException("reconcile pass failed: " + e.getMessage(), e);
        }
    }

    /**
     * One autoscaler tick: reads each server's load over the last tick from the proxies, records
     * it, and reconciles.
     */
    public void tick() {
        Map<String, Double> loads;
        try {
            loads = dataPlane.harvestLoad().get();
        } catch (Exception e) {
            log.warn("could not read load from the proxies: {}", e.toString());
            loads = Map.of();
        }
        Instant now = clock.instant();
        for (ActiveServer server : byHostLabel.values()) {
            autoscaler.record(server.key(), loads.getOrDefault(server.key().hostLabel(), 0.0),
                    settings(server), now);
        }
        kick();
    }

    /**
     * A request for this host label found no ready container: start one now. Called on proxy event
     * loops, so it only records the label and queues a pass, taking no lock a pass may hold.
     *
     * <p>When the server already has a container starting, a pass now would start nothing, so none
     * is queued: the demand is recorded by the next pass (a tick, or the container's own event).
     * Otherwise every request during a cold start queued one, and with many servers those
     * back-to-back passes took a CPU from the start itself and from routing updates.
     */
    public void coldStart(String hostLabel) {
        coldStarts.add(hostLabel);
        if (!starting.contains(hostLabel)) {
            kick();
        }
    }

    public void hold(long appId, Hold hold) {
        holds.put(appId, hold);
    }

    public void release(long appId) {
        holds.remove(appId);
    }

    /** Every server of an active version, as of the last pass. */
    public List<ActiveServer> activeServers() {
        return List.copyOf(byHostLabel.values());
    }

    /** The routed server for a host label, if any. */
    public Optional<ActiveServer> server(String hostLabel) {
        return Optional.ofNullable(byHostLabel.get(hostLabel));
    }

    /** The settings the autoscaler applies to a server: its override, else its spec's. */
    public AutoscalerSettings settings(ActiveServer server) {
        AutoscalerSettings override = overrides.get(new Store.AppServer(server.key().appId(), server.key().server()));
        return override != null ? override : AutoscalerSettings.of(server.spec());
    }

    /**
     * Applies an {@code update_autoscaler}: stores the new effective settings (so they survive a
     * restart), then converges on them before returning.
     */
    public void override(ServerKey key, AutoscalerSettings settings) {
        store.putAutoscalerOverride(key.appId(), key.server(), settings);
        reconcileNow();
    }

    private void runPass() {
        try {
            pass();
        } catch (RuntimeException e) {
            log.error("reconcile pass failed; the next one retries", e);
        }
    }

    private void pass() {
        Instant now = clock.instant();
        // Holds are read before the store: a deploy activates its version, then releases its hold.
        // Read in this order, a pass that straddles the two still protects the new containers.
        Map<Long, Hold> heldApps = Map.copyOf(holds);
        overrides = store.autoscalerOverrides();
        Map<ServerKey, ActiveServer> active = readActiveServers();
        fleet.route(active);
        // A set: retainAll calls contains() once per key, and a list made that quadratic in the servers.
        Set<String> labels = new HashSet<>();
        for (ActiveServer server : active.values()) {
            String label = server.key().hostLabel();
            labels.add(label);
            byHostLabel.put(label, server);
        }
        byHostLabel.keySet().retainAll(labels);
        autoscaler.retain(active.keySet());
        for (String hostLabel : List.copyOf(coldStarts)) {
            coldStarts.remove(hostLabel);
            ActiveServer server = byHostLabel.get(hostLabel);
            if (server != null) {
                autoscaler.coldStart(server.key(), settings(server), now);
            }
        }

        Map<ServerKey, List<ContainerView>> capacity = new HashMap<>();
        for (ContainerView container : fleet.snapshot()) {
            ActiveServer server = active.get(container.server());
            Hold hold = heldApps.get(container.server().appId());
            boolean current = server != null && server.version() == container.version();
            boolean candidate = hold != null && hold.candidateVersion() == container.version();
            if (current) {
                if (container.isCapacity()) {
                    capacity.computeIfAbsent(container.server(), k -> new ArrayList<>()).add(container);
                }
            } else if (!candidate && container.isCapacity()) {
                fleet.drain(container.id(), server == null
                        ? "server no longer deployed"
                        : "replaced by version " + server.version());
            }
        }

        for (ActiveServer server : active.values()) {
            ServerKey key = server.key();
            List<ContainerView> live = capacity.getOrDefault(key, List.of());
            Decision decision = autoscaler.decide(key, settings(server), live.size(), now);
            int desired = decision.desired();
            Hold hold = heldApps.get(key.appId());
            if (desired > live.size() && (hold == null || !hold.freezeActive())
                    && fleet.restartDelay(key).isZero()) {
                String artifact = artifactOf(key.appId(), server.version());
                for (int i = live.size(); i < desired; i++) {
                    fleet.start(key, server.version(), server.spec(), artifacts.path(artifact));
                }
                log.info("{}: {} → {} containers ({})", key, live.size(), desired, decision.reason());
            } else if (desired < live.size()) {
                for (ContainerView victim : scaleDownOrder(live).subList(0, live.size() - desired)) {
                    fleet.drain(victim.id(), decision.reason());
                }
                log.info("{}: {} → {} containers ({})", key, live.size(), desired, decision.reason());
            }
        }
        Set<String> startingNow = new HashSet<>();
        for (ContainerView container : fleet.snapshot()) {
            ActiveServer server = active.get(container.server());
            if (container.state() == ContainerState.STARTING && server != null
                    && server.version() == container.version()) {
                startingNow.add(container.server().hostLabel());
            }
        }
        starting = startingNow;
    }

    /**
     * Which containers go first when scaling down: those still starting (they serve nothing), then
     * the ones with the fewest requests in flight, newest first among equals.
     */
    private List<ContainerView> scaleDownOrder(List<ContainerView> live) {
        Map<String, Integer> inFlight = dataPlane.inFlightByContainer();
        List<ContainerView> order = new ArrayList<>(live);
        order.sort(Comparator
                .comparing((ContainerView c) -> c.state() != ContainerState.STARTING)
                .thenComparing(c -> inFlight.getOrDefault(c.id(), 0))
                .thenComparing(ContainerView::createdAt, Comparator.reverseOrder()));
        return order;
    }

    private Map<ServerKey, ActiveServer> readActiveServers() {
        Map<ServerKey, ActiveServer> active = new HashMap<>();
        for (AppRecord app : store.apps()) {
            if (app.stopped() || app.activeVersion() == null) {
                continue;
            }
            int version = app.activeVersion();
            for (ServerSpec spec : specs(app.id(), version).values()) {
                ServerKey key = new ServerKey(app.id(), app.environment(), app.name(), spec.name());
                active.put(key, new ActiveServer(key, version, spec));
            }
        }
        return active;
    }

    private Map<String, ServerSpec> specs(long appId, int version) {
        return specCache.computeIfAbsent(appId + "/" + version, k -> store.servers(appId, version));
    }

    private String artifactOf(long appId, int version) {
        return artifactCache.computeIfAbsent(appId + "/" + version,
                k -> store.version(appId, version).map(VersionRecord::artifact).orElseThrow());
    }

    @Override
    public void close() {
        passes.shutdownNow();
    }
}
