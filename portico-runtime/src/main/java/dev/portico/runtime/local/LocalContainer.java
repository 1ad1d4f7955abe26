package dev.portico.runtime.local;

import dev.portico.runtime.ContainerExit;
import dev.portico.runtime.RunningContainer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container of the local runtime, whatever its isolation.
 *
 * <p>Invariant: {@link #whenExited()} completes exactly once, after the process the runtime
 * launched has exited (seen through {@link Process#onExit()}, no polling) and after
 * {@link ContainerProcesses#release()} has freed what the container held; from then on signals
 * are no longer sent, so a reused pid is never hit.
 */
final class LocalContainer implements RunningContainer {

    private static final Logger log = LoggerFactory.getLogger(LocalContainer.class);
    private static final Executor VIRTUAL = task -> Thread.ofVirtual().name("portico-container").start(task);

    private final String id;
    private final InetSocketAddress address;
    private final ContainerProcesses processes;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    /** Why the container ended, for the exit log line: null while nobody asked it to. */
    private final AtomicReference<String> endedBy = new AtomicReference<>();
    /** Completes as soon as the launched process has exited, before its resources are released. */
    private final CompletableFuture<ContainerExit> processExited;
    private final CompletableFuture<ContainerExit> exited;

    LocalContainer(String id, InetSocketAddress address, Process launched, ContainerProcesses processes) {
        this.id = id;
        this.address = address;
        this.processes = processes;
        // The OOM state is read as soon as the process is gone, before release() removes the cgroups.
        this.processExited = launched.onExit().thenApply(process -> exit(process.exitValue()));
        this.exited = processExited.thenApplyAsync(this::finish, VIRTUAL);
    }

    /**
     * An exit is "out of memory" when it is a failure and the kernel's OOM killer killed a process
     * of the container (not necessarily its first one: a shell whose child was killed exits with
     * an error too).
     */
    private ContainerExit exit(int status) {
        return new ContainerExit(status, status != 0 && processes.outOfMemory());
    }

    private ContainerExit finish(ContainerExit exit) {
        processes.release();
        String cause = endedBy.get();
        log.info("container {} {}{}", id, exit.describe(), cause == null ? " on its own" : " after " + cause);
        return exit;
    }

    ContainerProcesses processes() {
        return processes;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public long pid() {
        return processes.pid();
    }

    @Override
    public CompletableFuture<Void> whenListening(Duration timeout) {
        // Not whenExited(): the probe must stop before release() takes the container's address away.
        return ReadinessProbe.whenListening(id, address, timeout, processExited);
    }

    @Override
    public CompletableFuture<ContainerExit> whenExited() {
        return exited.copy();
    }

    @Override
    public boolean probe(Duration timeout) {
        return ReadinessProbe.accepts(address, timeout);
    }

    @Override
    public CompletableFuture<ContainerExit> stop(Duration killAfter) {
        if (stopRequested.compareAndSet(false, true) && !exited.isDone()) {
            endedBy.compareAndSet(null, "stop");
            log.info("stopping container {}: SIGTERM, SIGKILL after {} ms", id, killAfter.toMillis());
            processes.terminate();
            CompletableFuture.delayedExecutor(killAfter.toNanos(), TimeUnit.NANOSECONDS, VIRTUAL).execute(() -> {
                if (!exited.isDone()) {
                    log.info("container {} still running {} ms after SIGTERM: killing it", id, killAfter.toMillis());
                    processes.killAll();
                }
            });
        }
        return whenExited();
    }

    @Override
    public void kill() {
        if (!exited.isDone()) {
            endedBy.compareAndSet(null, "kill");
            processes.killAll();
        }
    }
}
