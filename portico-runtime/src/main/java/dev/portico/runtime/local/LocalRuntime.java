package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.ContainerRuntime;
import dev.portico.runtime.LaunchException;
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
 */
public final class LocalRuntime implements ContainerRuntime {

    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Isolation isolation;
    private final ProcessLauncher launcher;
    private final IsolationDriver driver;
    private final PidFiles pidFiles;
    /** Ids of containers being launched or running; reserved before launch, so ids stay unique. */
    private final Set<String> reserved = ConcurrentHashMap.newKeySet();
    private final Map<String, LocalContainer> running = new ConcurrentHashMap<>();
    /** Launches hold the read lock, {@link #close()} the write lock: no launch slips past close. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private LocalRuntime(Isolation isolation, ProcessLauncher launcher, IsolationDriver driver, PidFiles pidFiles) {
        this.isolation = isolation;
        this.launcher = launcher;
        this.driver = driver;
        this.pidFiles = pidFiles;
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
                case NONE -> new ProcessGroupIsolation(launcher, pidFiles);
                case AUTO -> {
                    try {
                        yield namespaces(launcher, tag, config);
                    } catch (IllegalStateException e) {
                        log.info("{}; containers run without isolation", e.getMessage());
                        yield new ProcessGroupIsolation(launcher, pidFiles);
                    }
                }
            };
            Isolation isolation = driver instanceof NamespaceIsolation ? Isolation.NAMESPACE : Isolation.NONE;
            log.info("{} runtime for {} (instance {})", driver.describe(), config.stateDir(), tag);
            return new LocalRuntime(isolation, launcher, driver, pidFiles);
        } catch (RuntimeException e) {
            launcher.close();
            throw e;
        }
    }

    private static NamespaceIsolation namespaces(ProcessLauncher launcher, InstanceTag tag, LocalRuntimeConfig config) {
        return new NamespaceIsolation(NamespaceIsolation.detect(launcher), launcher, tag,
                Ipv4Block.parse(config.addressPool()));
    }

    /** The isolation in effect: {@link Isolation#NAMESPACE} or {@link Isolation#NONE}, never AUTO. */
    public Isolation isolation() {
        return isolation;
    }

    @Override
    public String describe() {
        return driver.describe();
    }

    @Override
    public RunningContainer launch(ContainerLaunch launch) throws LaunchException {
        ProcessLauncher.requireProgram(launch);
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
        if (driver instanceof NamespaceIsolation namespaces) {
            found.addAll(namespaces.removeLeftovers(live));
        }
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
