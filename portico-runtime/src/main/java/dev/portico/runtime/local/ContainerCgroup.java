package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups of one container, one directory per hierarchy in use (see
 * {@link ContainerCgroups}); every process of the container is in all of them.
 */
final class ContainerCgroup {

    private static final Logger log = LoggerFactory.getLogger(ContainerCgroup.class);
    private static final long EMPTY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String containerId;
    private final List<Path> directories;
    private final Path unified;
    private final boolean killable;
    private final CgroupLimits limits;

    /**
     * @param unified the directory in the unified hierarchy, one of {@code directories}; null when
     *     none is used
     * @param killable whether {@code unified} has {@code cgroup.kill}
     * @param limits the layout that wrote the container's limits; null when none
     */
    ContainerCgroup(String containerId, List<Path> directories, Path unified, boolean killable, CgroupLimits limits) {
        this.containerId = containerId;
        this.directories = List.copyOf(directories);
        this.unified = unified;
        this.killable = killable;
        this.limits = limits;
    }

    String containerId() {
        return containerId;
    }

    /** Every directory of the container, one per hierarchy. */
    List<Path> directories() {
        return directories;
    }

    /** The container's directory in the unified hierarchy, when one is used. */
    Optional<Path> unified() {
        return Optional.ofNullable(unified);
    }

    /**
     * The files a process writes its own pid to, to move itself into the container's cgroups.
     *
     * <p>The container's process must be in its cgroups before any of its code runs, or a fork
     * could escape {@code cgroup.kill} and the limits. The JDK cannot spawn into a cgroup
     * ({@code clone3(CLONE_INTO_CGROUP)}), and writing the pid from the JVM after the spawn races
     * with the process's first fork. So the first process of the chain moves itself and then
     * {@code exec}s the rest: same pid, and every descendant inherits the cgroups.
     */
    List<Path> procsFiles() {
        return directories.stream().map(dir -> dir.resolve("cgroup.procs")).toList();
    }

    /**
     * SIGKILLs every process of the container: in one write to {@code cgroup.kill} where the
     * unified hierarchy has it, forks in flight included; else by pid, from each directory's
     * {@code cgroup.procs}. Never throws; a missing cgroup is already empty.
     */
    void kill() {
        if (killable) {
            try {
                Files.writeString(unified.resolve("cgroup.kill"), "1");
                return;
            } catch (NoSuchFileException e) {
                // gone there (or never made, by a crashed launch): the other hierarchies may still hold some
                log.debug("cgroup {} is already gone", unified);
            } catch (IOException e) {
                log.warn("cannot kill cgroup {}: {}", unified, e.getMessage());
            }
        }
        killByPid();
    }

    private void killByPid() {
        ProcFs.handles(pids()).forEach(ProcessHandle::destroyForcibly);
    }

    /** Pids of the container's processes; empty when its cgroups are gone. */
    List<Long> pids() {
        Set<Long> pids = new LinkedHashSet<>();
        for (Path procs : procsFiles()) {
            try {
                Files.readAllLines(procs).stream().filter(line -> !line.isBlank()).map(Long::parseLong)
                        .forEach(pids::add);
            } catch (IOException e) {
                // gone: nothing in it
            }
        }
        return List.copyOf(pids);
    }

    /** Whether the kernel OOM-killed a process of the container; read before {@link #remove()}. */
    boolean outOfMemory() {
        return limits != null && limits.outOfMemory(containerId);
    }

    /** CPU time the container used, from its cgroup's accounting; empty when not accounted. */
    OptionalLong cpuUsageNanos() {
        return limits == null ? OptionalLong.empty() : limits.cpuUsageNanos(containerId);
    }

    /**
     * Kills what is left in the cgroups, waits (bounded) until the kernel lets them go and removes
     * them. Never throws.
     */
    void remove() {
        List<Path> left = new ArrayList<>(directories.stream().filter(Files::isDirectory).toList());
        if (left.isEmpty()) {
            return;
        }
        kill();
        // Killed tasks leave a cgroup when they finish exiting, a moment after the signal; until
        // then rmdir fails with EBUSY.
        long deadline = System.nanoTime() + EMPTY_WAIT_NANOS;
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        while (true) {
            IOException last = null;
            for (var it = left.iterator(); it.hasNext(); ) {
                Path dir = it.next();
                try {
                    Files.deleteIfExists(dir);
                    it.remove();
                } catch (IOException e) {
                    last = e;
                }
            }
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                log.warn("cannot remove cgroups {}: {}", left, last == null ? "busy" : last.getMessage());
                return;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
            killByPid(); // what forked since the last round, where cgroup.kill did not reach
        }
    }

    @Override
    public String toString() {
        return directories.toString();
    }
}
