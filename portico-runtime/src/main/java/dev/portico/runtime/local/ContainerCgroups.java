package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cgroup (v2, unified hierarchy) per container, at
 * {@code <unified root>/portico/<tag>/<containerId>}: every process of the container is in it, so
 * writing {@code 1} to its {@code cgroup.kill} SIGKILLs the whole tree at once, forks in flight
 * included. This class is the one place that decides cgroup placement, so resource limits can be
 * added here.
 *
 * <p>The unified hierarchy is {@code /sys/fs/cgroup} on cgroup-v2-only hosts and
 * {@code /sys/fs/cgroup/unified} on hybrid ones; {@code cgroup.kill} needs Linux 5.14. Both are
 * detected, not assumed: without them the runtime falls back to killing the PID namespace's init.
 */
final class ContainerCgroups {

    private static final Logger log = LoggerFactory.getLogger(ContainerCgroups.class);
    private static final List<Path> UNIFIED_ROOTS = List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"));
    private static final long EMPTY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Path instanceDir;

    private ContainerCgroups(Path instanceDir) {
        this.instanceDir = instanceDir;
    }

    /** This instance's cgroup directory, created; empty when no usable unified hierarchy exists. */
    static Optional<ContainerCgroups> detect(InstanceTag tag) {
        for (Path root : UNIFIED_ROOTS) {
            if (!Files.exists(root.resolve("cgroup.controllers"))) {
                continue;
            }
            Path instanceDir = root.resolve("portico").resolve(tag.value());
            try {
                Files.createDirectories(instanceDir);
            } catch (IOException e) {
                log.info("cgroup {} cannot be created ({}); containers are killed through their PID namespace",
                        instanceDir, e.getMessage());
                return Optional.empty();
            }
            if (Files.exists(instanceDir.resolve("cgroup.kill"))) {
                return Optional.of(new ContainerCgroups(instanceDir));
            }
            log.info("{} has no cgroup.kill (Linux < 5.14); containers are killed through their PID namespace", root);
            return Optional.empty();
        }
        log.info("no cgroup v2 hierarchy; containers are killed through their PID namespace");
        return Optional.empty();
    }

    Path create(String containerId) throws IOException {
        return Files.createDirectory(instanceDir.resolve(containerId));
    }

    /**
     * The file a process writes its own pid to, to move itself into {@code cgroup}.
     *
     * <p>The container's process must be in its cgroup before any of its code runs, or a fork
     * could escape {@code cgroup.kill}. The JDK cannot spawn into a cgroup
     * ({@code clone3(CLONE_INTO_CGROUP)}), and writing the pid from the JVM after the spawn races
     * with the process's first fork. So the first process of the chain moves itself and then
     * {@code exec}s the rest: same pid, and every descendant inherits the cgroup.
     */
    Path procsFile(Path cgroup) {
        return cgroup.resolve("cgroup.procs");
    }

    /** SIGKILLs every process in {@code cgroup}. Never throws; a missing cgroup is already empty. */
    void kill(Path cgroup) {
        try {
            Files.writeString(cgroup.resolve("cgroup.kill"), "1");
        } catch (NoSuchFileException e) {
            log.debug("cgroup {} is already gone", cgroup);
        } catch (IOException e) {
            log.warn("cannot kill cgroup {}: {}", cgroup, e.getMessage());
        }
    }

    /** Pids of the processes in {@code cgroup}; empty when it is gone. */
    List<Long> pids(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.procs")).stream().map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Kills what is left in {@code cgroup}, waits (bounded) until the kernel reports it empty and
     * removes it. Never throws.
     */
    void remove(Path cgroup) {
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        kill(cgroup);
        // Killed tasks leave the cgroup when they finish exiting, a moment after the signal.
        long deadline = System.nanoTime() + EMPTY_WAIT_NANOS;
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        while (populated(cgroup) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
        }
        try {
            Files.deleteIfExists(cgroup);
        } catch (IOException e) {
            log.warn("cannot remove cgroup {}: {}", cgroup, e.getMessage());
        }
    }

    private static boolean populated(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.events")).contains("populated 1");
        } catch (IOException e) {
            return false;
        }
    }

    /** Cgroups of this instance whose container id is not in {@code live}. */
    List<Path> leftovers(Set<String> live) {
        List<Path> cgroups = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(instanceDir, Files::isDirectory)) {
            for (Path entry : entries) {
                if (!live.contains(entry.getFileName().toString())) {
                    cgroups.add(entry);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}", instanceDir, e);
        }
        return cgroups;
    }

    /** Removes this instance's directory if no container uses it; another instance may still. */
    void close() {
        try {
            Files.deleteIfExists(instanceDir);
        } catch (IOException e) {
            log.debug("keeping {}: {}", instanceDir, e.getMessage());
        }
    }
}
