package dev.portico.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.portico.api.AppInfo;
import dev.portico.api.AutoscalerSettings;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.Names;
import dev.portico.api.ContainerState;
import dev.portico.control.api.ApiServer;
import dev.portico.control.autoscale.Autoscaler;
import dev.portico.control.deploy.ArtifactStore;
import dev.portico.control.deploy.Deployer;
import dev.portico.control.deploy.ServerDiscovery;
import dev.portico.control.fleet.ActiveServer;
import dev.portico.control.fleet.ContainerCommand;
import dev.portico.control.fleet.ContainerLaunches;
import dev.portico.control.fleet.Fleet;
import dev.portico.control.reconcile.Reconciler;
import dev.portico.control.store.AppRecord;
import dev.portico.control.store.ContainerRecord;
import dev.portico.control.store.Store;
import dev.portico.control.store.VersionRecord;
import dev.portico.control.secrets.SecretVault;
import dev.portico.control.tenancy.TokenRegistry;
import dev.portico.runtime.ContainerRuntime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: store, API, fleet, reconciler, autoscaler and deployer, wired together.
 *
 * <p>Start-up recovers from whatever the previous run left: the runtime ends leftover containers,
 * the store's unfinished containers are marked stopped and interrupted deploys failed; then the
 * reconciler starts what the active versions need. Nothing acknowledged is lost, because every
 * change was stored before it was acted on.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
    static final Duration TICK = Duration.ofSeconds(1);
    /** How long shutdown waits for containers to stop (their own stop timeout is 30 s). */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(35);

    /**
     * Settings of a control plane.
     *
     * @param home state directory: {@code state.db}, {@code artifacts/}, {@code logs/}
     * @param api where the API listens (loopback only; port 0 picks one)
     * @param adminToken the credential API clients present
     * @param metrics where the platform's meters live (the proxy's too, in one JVM); served at /metrics
     */
    public record Config(Path home, InetSocketAddress api, String adminToken, ContainerCommand containerCommand,
                         UrlScheme urls, Clock clock, PrometheusMeterRegistry metrics) {}

    private final Store store;
    private final Fleet fleet;
    private final Reconciler reconciler;
    private final Deployer deployer;
    private final Catalog catalog;
    private final LogStreamer logs;
    private final TokenRegistry tokens;
    private final SecretVault secrets;
    private final Volumes volumes;
    private final ScheduledExecutorService ticker;
    private ApiServer api;

    private ControlPlane(Store store, Fleet fleet, Reconciler reconciler, Deployer deployer, Catalog catalog,
                         LogStreamer logs, TokenRegistry tokens, SecretVault secrets, Volumes volumes) {
        this.store = store;
        this.fleet = fleet;
        this.reconciler = reconciler;
        this.deployer = deployer;
        this.catalog = catalog;
        this.logs = logs;
        this.tokens = tokens;
        this.secrets = secrets;
        this.volumes = volumes;
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("autoscaler-tick").factory());
    }

    /** Recovers, starts reconciling and serving the API. */
    public static ControlPlane start(Config config, ContainerRuntime runtime, DataPlane dataPlane) {
        ObjectMapper json = json();
        Store store = Store.open(config.home().resolve("state.db"), json, config.clock());
        recover(store, runtime);
        Path logDirectory = config.home().resolve("logs");
        ArtifactStore artifacts = new ArtifactStore(config.home().resolve("artifacts"), store);
        Autoscaler autoscaler = new Autoscaler();
        Reconciler[] reconcilerRef = new Reconciler[1];
        SecretVault secrets = SecretVault.open(store, json, config.home().resolve("secret.key"));
        Volumes volumes = new Volumes(store, config.home().resolve("volumes"));
        // The fleet reports container events to the reconciler, which is built on the fleet.
        Fleet fleet = new Fleet(store, runtime, dataPlane,
                new ContainerLaunches(config.containerCommand(), secrets, volumes, logDirectory),
                config.clock(), () -> reconcilerRef[0].kick());
        Reconciler reconciler = new Reconciler(store, fleet, autoscaler, artifacts, dataPlane, config.clock());
        reconcilerRef[0] = reconciler;
        fleet.bindMetrics(config.metrics());
        Deployer deployer = new Deployer(store, new ServerDiscovery(json), artifacts, fleet, reconciler, config.urls(),
                secrets);
        Catalog catalog = new Catalog(store, fleet, reconciler, autoscaler, dataPlane, config.urls());
        TokenRegistry tokens = new TokenRegistry(store);
        ControlPlane control = new ControlPlane(store, fleet, reconciler, deployer, catalog,
                new LogStreamer(store, logDirectory), tokens, secrets, volumes);
        for (ContainerState state : ContainerState.values()) {
            if (!state.isFinal()) {
                Gauge.builder("portico.containers", fleet, f -> f.snapshot().stream().filter(c -> c.state() == state).count())
                        .description("Live containers by state")
                        .tag("state", state.name().toLowerCase())
                        .register(config.metrics());
            }
        }
        reconciler.reconcileNow();
        control.ticker.scheduleAtFixedRate(control::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        try {
            control.api = ApiServer.start(config.api(), config.adminToken(), control, json,
                    config.home().resolve("uploads"), config.metrics());
        } catch (IOException e) {
            control.close();
            throw new UncheckedIOException("cannot start the API on " + config.api() + ": " + e.getMessage(), e);
        }
        InetSocketAddress api = control.api.address();
        log.info("control plane up: API on http://{}:{}", api.getAddress().getHostAddress(), api.getPort());
        return control;
    }

    /** The JSON mapping shared by the store and the API. */
    public static ObjectMapper json() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    private static void recover(Store store, ContainerRuntime runtime) {
        int leftovers = runtime.removeLeftovers();
        int recorded = 0;
        for (ContainerRecord container : store.unfinishedContainers()) {
            store.updateContainer(container.id(), ContainerState.STOPPED, null, "control plane restarted");
            recorded++;
        }
        for (VersionRecord version : store.deployingVersions()) {
            store.failVersion(version.appId(), version.number(), "interrupted by a restart of the control plane");
        }
        if (leftovers > 0 || recorded > 0) {
            log.info("recovered: ended {} leftover containers, closed {} container records", leftovers, recorded);
        }
    }

    /** Every second: the autoscaler's tick, and tokens re-read so that revocations elsewhere apply. */
    private void tick() {
        try {
            tokens.refresh();
        } catch (RuntimeException e) {
            log.warn("could not refresh tokens: {}", e.toString());
        }
        reconciler.tick();
    }

    /** A request for this host label found no ready container: start one at once. */
    public void coldStart(String hostLabel) {
        reconciler.coldStart(hostLabel);
    }

    public InetSocketAddress apiAddress() {
        return api.address();
    }

    public Catalog catalog() {
        return catalog;
    }

    public Deployer deployer() {
        return deployer;
    }

    public LogStreamer logs() {
        return logs;
    }

    /** Proxy tokens and RBAC; also the proxy's authenticator. */
    public TokenRegistry tokens() {
        return tokens;
    }

    public SecretVault secrets() {
        return secrets;
    }

    public Volumes volumes() {
        return volumes;
    }

    /** Deletes a volume that no deployed server mounts. */
    public void deleteVolume(String name) {
        for (ActiveServer server : reconciler.activeServers()) {
            if (server.spec().volumes().stream().anyMatch(v -> v.startsWith(name + ":"))) {
                throw new IllegalArgumentException("volume '" + name + "' is mounted by server " + server.key()
                        + "; stop or redeploy that app first");
            }
        }
        volumes.delete(name);
    }

    /** Creates an environment. */
    public String createEnvironment(String name) {
        Names.problem("environment", name).ifPresent(p -> { throw new IllegalArgumentException(p); });
        if (!store.createEnvironment(name)) {
            throw new IllegalArgumentException("environment '" + name + "' already exists");
        }
        return name;
    }

    public List<String> environments() {
        return store.environments();
    }

    /** Stops an app: its containers drain and stop; nothing runs until its next deploy. */
    public AppInfo stopApp(String environment, String name) {
        AppRecord app = store.app(environment, name)
                .orElseThrow(() -> new NotFoundException("no app " + name + " in environment " + environment));
        store.setStopped(app.id(), true);
        reconciler.reconcileNow();
        return catalog.apps().stream()
                .filter(a -> a.environment().equals(environment) && a.name().equals(name))
                .findFirst().orElseThrow();
    }

    /**
     * {@code update_autoscaler}: changes any subset of a server's six autoscaler settings until the
     * app's next deploy.
     *
     * @return the full effective settings
     * @throws NotFoundException when the server is not deployed
     * @throws IllegalArgumentException naming each setting out of range
     */
    public AutoscalerSettings updateAutoscaler(String environment, String app, String server, AutoscalerUpdate update) {
        ActiveServer active = reconciler.server(Names.hostLabel(environment, app, server))
                .orElseThrow(() -> new NotFoundException("no deployed server " + server + " in app " + app
                        + " (environment " + environment + ")"));
        AutoscalerSettings settings = update.applyTo(reconciler.settings(active));
        List<AutoscalerSettings.Problem> problems = settings.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ",
                    problems.stream().map(p -> p.message() + " (got " + p.value() + ")").toList()));
        }
        reconciler.override(active.key(), settings);
        return settings;
    }

    /** Stops the API and the autoscaler, then every container (SIGTERM, 30 s, SIGKILL). */
    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        ticker.shutdownNow();
        reconciler.close();
        fleet.stopAll(SHUTDOWN_WAIT, "platform shutting down");
        fleet.close();
        store.close();
    }
}
