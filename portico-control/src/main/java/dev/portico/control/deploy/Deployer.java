package dev.portico.control.deploy;

import dev.portico.api.AutoscalerSettings;
import dev.portico.api.DeployResult;
import dev.portico.api.Names;
import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import dev.portico.control.UrlScheme;
import dev.portico.control.fleet.ContainerView;
import dev.portico.control.fleet.Fleet;
import dev.portico.control.fleet.StartedContainer;
import dev.portico.control.reconcile.Reconciler;
import dev.portico.control.secrets.SecretVault;
import dev.portico.control.store.AppRecord;
import dev.portico.control.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys a new version of an app (DESIGN.md §6).
 *
 * <p>Rolling (the default): the new version's containers start beside the old ones, as many as
 * each server runs now (at least its {@code minContainers}); only when all are ready does the
 * version become active, which moves traffic in one routing update, and the old containers then
 * drain with their grace period. At no point does a server with ready containers answer 503.
 *
 * <p>Recreate: the old containers drain first, then the new ones start.
 *
 * <p>Either way, a version whose containers cannot become ready is marked failed with the reason,
 * and the previous version keeps (or, after recreate, resumes) serving. A server at zero
 * containers has nothing to verify: its new version becomes active at once and starts on the
 * first request.
 */
public final class Deployer {

    private static final Logger log = LoggerFactory.getLogger(Deployer.class);
    private static final long READY_POLL_MILLIS = 10;

    /** Deploy strategies. */
    public enum Strategy { ROLLING, RECREATE }

    private final Store store;
    private final ServerDiscovery discovery;
    private final ArtifactStore artifacts;
    private final Fleet fleet;
    private final Reconciler reconciler;
    private final UrlScheme urls;
    private final SecretVault secrets;
    private final Map<String, ReentrantLock> appLocks = new ConcurrentHashMap<>();

    public Deployer(Store store, ServerDiscovery discovery, ArtifactStore artifacts, Fleet fleet,
                    Reconciler reconciler, UrlScheme urls, SecretVault secrets) {
        this.store = store;
        this.discovery = discovery;
        this.artifacts = artifacts;
        this.fleet = fleet;
        this.reconciler = reconciler;
        this.urls = urls;
        this.secrets = secrets;
    }

    /**
     * Validates, records and rolls out a jar. Returns when the new version serves.
     *
     * @param upload the uploaded jar; moved into the artifact store when valid
     * @throws DeployException when the jar or the names are invalid (nothing is recorded) or the new
     *     version could not become ready (recorded as failed; the previous version serves)
     */
    public DeployResult deploy(String environment, String appName, Path upload, Strategy strategy) {
        Names.problem("environment", environment).ifPresent(p -> { throw new DeployException(p); });
        Names.problem("app name", appName).ifPresent(p -> { throw new DeployException(p); });
        if (!store.environmentExists(environment)) {
            throw new DeployException("environment '" + environment + "' does not exist;"
                    + " create it with: portico env create " + environment);
        }
        List<ServerSpec> specs = discovery.discover(upload);
        List<String> problems = new ArrayList<>();
        for (ServerSpec spec : specs) {
            Names.labelProblem(environment, appName, spec.name()).ifPresent(problems::add);
            for (String secret : spec.secrets()) {
                if (!secrets.exists(secret)) {
                    problems.add(spec.className() + ": @Server(secrets): secret '" + secret + "' does not exist;"
                            + " create it with: portico secret create " + secret + " KEY=VALUE");
                }
            }
            if (!spec.image().isEmpty()) {
                problems.add(spec.className() + ": @Server(image = \"" + spec.image() + "\"): container images are not"
                        + " supported by the local runtime (containers run on this host's file system); remove it");
            }
            if (spec.enableMemorySnapshot()) {
                problems.add(spec.className() + ": @Server(enableMemorySnapshot = true): memory snapshots are not"
                        + " supported by the local runtime yet; remove it");
            }
            for (String volume : spec.volumes()) {
                String name = volume.substring(0, volume.indexOf(':'));
                if (!store.volumeExists(name)) {
                    problems.add(spec.className() + ": @Server(volumes): volume '" + name + "' does not exist;"
                            + " create it with: portico volume create " + name);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new DeployException(String.join("\n", problems));
        }
        ReentrantLock lock = appLocks.computeIfAbsent(environment + "/" + appName, k -> new ReentrantLock());
        lock.lock();
        try {
            String artifact = artifacts.put(upload);
            int version = store.insertVersion(environment, appName, artifact, strategy.name().toLowerCase(), specs);
            AppRecord app = store.app(environment, appName).orElseThrow();
            log.info("deploying {}/{} version {} ({}, {} servers)", environment, appName, version,
                    strategy.name().toLowerCase(), specs.size());
            roll(app, version, specs, artifacts.path(artifact), strategy);
            List<DeployResult.Server> servers = new ArrayList<>();
            for (ServerSpec spec : specs) {
                ServerKey key = new ServerKey(app.id(), environment, appName, spec.name());
                servers.add(new DeployResult.Server(spec.name(), spec.className(), urls.url(key, spec.routingRegion())));
            }
            return new DeployResult(environment, appName, version, servers);
        } finally {
            lock.unlock();
        }
    }

    private void roll(AppRecord app, int version, List<ServerSpec> specs, Path artifact, Strategy strategy) {
        reconciler.hold(app.id(), new Reconciler.Hold(version, strategy == Strategy.RECREATE));
        List<StartedContainer> started = new ArrayList<>();
        try {
            List<ContainerView> old = fleet.snapshot().stream()
                    .filter(c -> c.server().appId() == app.id() && c.isCapacity()
                            && app.activeVersion() != null && c.version() == app.activeVersion())
                    .toList();
            if (strategy == Strategy.RECREATE) {
                old.forEach(c -> fleet.drain(c.id(), "replaced by version " + version + " (recreate)"));
            }
            for (ServerSpec spec : specs) {
                ServerKey key = new ServerKey(app.id(), app.environment(), app.name(), spec.name());
                long running = old.stream().filter(c -> c.server().equals(key)).count();
                int target = (int) Math.min(AutoscalerSettings.of(spec).effectiveMaxContainers(),
                        Math.max(running, spec.minContainers()));
                for (int i = 0; i < target; i++) {
                    started.add(fleet.start(key, version, spec, artifact));
                }
            }
            awaitReady(started, specs);
            store.activate(app.id(), version);
        } catch (RuntimeException e) {
            started.forEach(c -> fleet.drain(c.id(), "version " + version + " failed to deploy"));
            String reason = e.getMessage();
            store.failVersion(app.id(), version, reason);
            String previous = app.activeVersion() == null ? "no version is serving"
                    : "version " + app.activeVersion() + " keeps serving";
            throw new DeployException("version " + version + " of " + app.name() + " failed: " + reason + "; " + previous);
        } finally {
            reconciler.release(app.id());
            reconciler.reconcileNow();
        }
    }

    /**
     * Waits until every container of the new version is ready, failing fast on the first that
     * fails. Containers still waiting for room on the node (a GPU, a compute region) do not hold the
     * deploy back: they start when room frees, and the CLI shows why they wait.
     */
    private void awaitReady(List<StartedContainer> started, List<ServerSpec> specs) {
        int longestStartup = specs.stream().mapToInt(ServerSpec::startupTimeout).max().orElse(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(longestStartup + 30L);
        while (true) {
            boolean settled = true;
            for (StartedContainer container : started) {
                CompletableFuture<Void> ready = container.ready();
                if (ready.isCompletedExceptionally()) {
                    Throwable cause = ready.exceptionNow();
                    throw new DeployException("container " + container.id() + ": " + cause.getMessage());
                }
                if (!ready.isDone() && !fleet.isWaiting(container.id())) {
                    settled = false;
                }
            }
            if (settled) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new DeployException("containers not ready after " + (longestStartup + 30) + " s");
            }
            try {
                Thread.sleep(READY_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployException("interrupted while waiting for containers");
            }
        }
    }
}
