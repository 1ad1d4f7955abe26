package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.ContainerRuntime;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.NodeInfo;
import dev.portico.runtime.RunningContainer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local container runtime: containers are process trees on this host, isolated with Linux
 * namespaces and cgroups when running as root ({@link Isolation#NAMESPACE}), or plain process
 * sessions on loopback otherwise ({@link Isolation#NONE}).
 *
 * <p>Invariants: no container outlives the runtime's {@link #close()}, and none outlives the JVM
 * in namespace mode even when the JVM is SIGKILLed (the kernel ends them, see
 * {@link ProcessLauncher}); what a crash leaves behind is found by {@link #removeLeftovers()} of
 * a later instance with the same state directory, and only by it: every host-wide name carries
 * the {@link InstanceTag} of the state directory.
 *
 * <p>Resources: each container's CPU and memory requests and limits are enforced through cgroups
 * (v2 or v1, detected) with namespace isolation, and without isolation when running as root;
 * elsewhere they are ignored, with one warning. GPUs are exposed as the launch says
 * ({@code CUDA_VISIBLE_DEVICES}), volumes bind-mounted or, without isolation, passed as
 * environment variables ({@link dev.portico.runtime.VolumeMount}).
 */
public final class LocalRuntime implements ContainerRuntime {

    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Isolation isolation;
    private final ProcessLauncher launcher;
    private final IsolationDriver driver;
    private final PidFiles pidFiles;
    private final LocalRuntimeConfig config;
    /** The node, described on first use (GPU detection runs a program). */
    private volatile NodeInfo node;
    private final AtomicBoolean warnedAboutLimits = new AtomicBoolean();
    /** Ids of containers being launched or running; reserved before launch, so ids stay unique. */
    private final Set<String> reserved = ConcurrentHashMap.newKeySet();
    private final Map<String, LocalContainer> running = new ConcurrentHashMap<>();
    /** Launches hold the read lock, {@link #close()} the write lock: no launch slips past close. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private LocalRuntime(Isolation isolation, ProcessLauncher launcher, IsolationDriver driver, PidFiles pidFiles,
            LocalRuntimeConfig config) {
        this.isolation = isolation;
        this.launcher = launcher;
        this.driver = driver;
        this.pidFiles = pidFiles;
        this.config = config;
    }

    /**
     * Creates a runtime. With {@link Isolation#AUTO}, namespace isolation is tried (root on Linux)
     * and plain processes are used otherwise.
     *
     * @throws IllegalStateException when {@link Isolation#NAMESPACE} was asked for and does not
     *     work here, saying why
     */
    public static LocalRuntime create(LocalRuntimeConfig config) {
        InstanceTag tag = InstanceTag.of(config.stateDir());
        ProcessLauncher launcher = new ProcessLauncher("portico-spawn-" + tag);
        PidFiles pidFiles = new PidFiles(config.stateDir());
        try {
            IsolationDriver driver = switch (config.isolation()) {
                case NAMESPACE -> namespaces(launcher, tag, config);
                case NONE -> new ProcessGroupIsolation(launcher, pidFiles, tag);
                case AUTO -> {
                    try {
                        yield namespaces(launcher, tag, config);
                    } catch (IllegalStateException e) {
                        log.info("{}; containers run without isolation", e.getMessage());
                        yield new ProcessGroupIsolation(launcher, pidFiles, tag);
                    }
                }
            };
            Isolation isolation = driver instanceof NamespaceIsolation ? Isolation.NAMESPACE : Isolation.NONE;
            log.info("{} runtime for {} (instance {})", driver.describe(), config.stateDir(), tag);
            return new LocalRuntime(isolation, launcher, driver, pidFiles, config);
        } catch (RuntimeException e) {
            launcher.close();
            throw e;
        }
    }

    private static NamespaceIsolation namespaces(ProcessLauncher launcher, InstanceTag tag, LocalRuntimeConfig config) {
        return new NamespaceIsolation(NamespaceIsolation.detect(launcher), launcher, tag,
                Ipv4Block.parse(config.addressPool()), config.networkPool());
    }

    /** The isolation driver (for tests). */
    IsolationDriver driver() {
        return driver;
    }

    /** The isolation in effect: {@link Isolation#NAMESPACE} or {@link Isolation#NONE}, never AUTO. */
    public Isolation isolation() {
        return isolation;
    }

    @Override
    public String describe() {
        return driver.describe();
    }

    /**
     * This host: its name, {@link Runtime#availableProcessors()} cores, {@code MemTotal} of
     * {@code /proc/meminfo}, the configured GPU inventory (else what {@code nvidia-smi -L} lists)
     * and the configured region.
     */
    @Override
    public NodeInfo node() {
        NodeInfo described = node;
        if (described == null) {
            List<Gpu> gpus = config.gpus() != null ? config.gpus() : NodeResources.detectGpus();
            described = new NodeInfo(NodeResources.hostName(), Runtime.getRuntime().availableProcessors(),
                    NodeResources.memoryMiB(), gpus, config.region());
            node = described;
        }
        return described;
    }

    /** Whether containers get the CPU and memory requests and limits of their launch here. */
    public boolean limitsResources() {
        return driver.limitsResources();
    }

    @Override
    public RunningContainer launch(ContainerLaunch launch) throws LaunchException {
        ProcessLauncher.requireProgram(launch);
        if (launch.resources().constrains() && !driver.limitsResources() && warnedAboutLimits.compareAndSet(false, true)) {
            log.warn("containers run without their CPU and memory requests and limits: {}",
                    isolation == Isolation.NONE && !ProcFs.runningAsRoot()
                            ? "enforcing them needs root" : "no usable cgroup controllers on this host");
        }
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new LaunchException("the runtime is closed");
            }
            if (!reserved.add(launch.id())) {
                throw new LaunchException("a container with id " + launch.id() + " is already running");
            }
            LocalContainer container;
            try {
                container = driver.launch(launch);
            } catch (LaunchException | RuntimeException e) {
                reserved.remove(launch.id());
                throw e;
            }
            running.put(launch.id(), container);
            container.whenExited().whenComplete((exit, failure) -> {
                running.remove(launch.id());
                reserved.remove(launch.id());
            });
            return container;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public int removeLeftovers() {
        Set<String> live = Set.copyOf(reserved);
        Set<String> found = new TreeSet<>(pidFiles.removeLeftovers(live));
        found.addAll(driver.removeLeftovers(live));
        return found.size();
    }

    /** Kills every container, waits (bounded) until they have exited and released what they held. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        List<LocalContainer> containers =
                running.values().stream().filter(c -> !c.whenExited().isDone()).toList();
        containers.forEach(LocalContainer::kill);
        CompletableFuture<?>[] exits = containers.stream().map(LocalContainer::whenExited).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("containers {} did not end within {} s", running.keySet(), CLOSE_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        driver.close();
        launcher.close();
        log.info("{} runtime closed; {} container(s) killed", driver.describe(), containers.size());
    }
}
