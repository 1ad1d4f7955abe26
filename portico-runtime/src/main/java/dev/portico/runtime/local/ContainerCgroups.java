package dev.portico.runtime.local;

import dev.portico.runtime.Resources;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups of a runtime instance's containers: the one place that decides cgroup placement.
 *
 * <p>Each container gets a directory {@code <hierarchy>/portico/<tag>/<containerId>} in every
 * hierarchy in use, and all its processes are in all of them:
 *
 * <ul>
 *   <li>the unified hierarchy (cgroup v2), where writing {@code 1} to {@code cgroup.kill} SIGKILLs
 *       the whole tree at once, forks in flight included (Linux 5.14). It is {@code /sys/fs/cgroup}
 *       on cgroup-v2-only hosts and {@code /sys/fs/cgroup/unified} on hybrid ones;
 *   <li>the hierarchies that carry resource limits ({@link CgroupLimits}): the same unified
 *       directory when the cpu and memory controllers are in the unified hierarchy, else the v1
 *       cpu, cpuacct and memory hierarchies.
 * </ul>
 *
 * <p>All of it is detected, not assumed. Without {@code cgroup.kill} containers are killed by pid
 * (and, with namespaces, through their PID namespace's init); without controllers they run
 * without limits.
 */
final class ContainerCgroups {

    private static final Logger log = LoggerFactory.getLogger(ContainerCgroups.class);
    private static final List<Path> UNIFIED_ROOTS = List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"));

    private final Path unifiedInstance;
    private final boolean killable;
    private final CgroupLimits limits;
    private final List<Path> instanceDirs;

    ContainerCgroups(Path unifiedInstance, boolean killable, CgroupLimits limits) {
        this.unifiedInstance = unifiedInstance;
        this.killable = killable;
        this.limits = limits;
        Set<Path> dirs = new LinkedHashSet<>();
        if (unifiedInstance != null) {
            dirs.add(unifiedInstance);
        }
        if (limits != null) {
            dirs.addAll(limits.instanceDirs());
        }
        this.instanceDirs = List.copyOf(dirs);
    }

    /** What this host offers, with this instance's directories created; possibly nothing. */
    static ContainerCgroups detect(InstanceTag tag) {
        Path unifiedRoot = UNIFIED_ROOTS.stream().filter(root -> Files.exists(root.resolve("cgroup.controllers")))
                .findFirst().orElse(null);
        Path unifiedInstance = null;
        boolean killable = false;
        if (unifiedRoot == null) {
            log.info("no cgroup v2 hierarchy; containers are killed by pid");
        } else {
            Path dir = unifiedRoot.resolve("portico").resolve(tag.value());
            try {
                Files.createDirectories(dir);
                unifiedInstance = dir;
                killable = Files.exists(dir.resolve("cgroup.kill"));
                if (!killable) {
                    log.info("{} has no cgroup.kill (Linux < 5.14); containers are killed by pid", unifiedRoot);
                }
            } catch (IOException e) {
                log.info("cgroup {} cannot be created ({}); containers are killed by pid", dir, e.getMessage());
                unifiedRoot = null;
            }
        }
        CgroupLimits limits = CgroupLimits.detect(unifiedRoot, tag).orElse(null);
        if (unifiedInstance != null && !killable && !(limits instanceof CgroupV2Limits)) {
            // A unified cgroup that neither kills nor limits is of no use.
            deleteQuietly(unifiedInstance);
            unifiedInstance = null;
        }
        ContainerCgroups cgroups = new ContainerCgroups(unifiedInstance, killable, limits);
        if (limits != null) {
            log.info("resource limits through {}", limits.describe());
        }
        return cgroups;
    }

    /** Whether containers get any cgroup at all. */
    boolean present() {
        return !instanceDirs.isEmpty();
    }

    /** The layout that enforces resources, when there is one. */
    Optional<CgroupLimits> limits() {
        return Optional.ofNullable(limits);
    }

    /** This instance's directories, one per hierarchy. */
    List<Path> instanceDirs() {
        return instanceDirs;
    }

    /**
     * Creates the container's cgroups with {@code resources} applied. On failure nothing of them
     * is left.
     */
    ContainerCgroup create(String containerId, Resources resources) throws IOException {
        if (limits != null) {
            limits.prepare(); // again: another instance with this tag may have removed the directories
        }
        if (unifiedInstance != null) {
            Files.createDirectories(unifiedInstance);
        }
        List<Path> created = new ArrayList<>();
        try {
            for (Path instance : instanceDirs) {
                created.add(Files.createDirectory(instance.resolve(containerId)));
            }
            if (limits != null) {
                limits.apply(containerId, resources);
            }
        } catch (IOException | RuntimeException e) {
            new ContainerCgroup(containerId, created, null, false, null).remove();
            throw e;
        }
        return of(containerId);
    }

    /** The cgroups of container {@code containerId}, existing or not (for leftovers). */
    ContainerCgroup of(String containerId) {
        return new ContainerCgroup(containerId, instanceDirs.stream().map(dir -> dir.resolve(containerId)).toList(),
                unifiedInstance == null ? null : unifiedInstance.resolve(containerId), killable, limits);
    }

    /** Ids of this instance's containers with a cgroup in any hierarchy, except those in {@code live}. */
    Set<String> leftovers(Set<String> live) {
        Set<String> ids = new TreeSet<>();
        for (Path instance : instanceDirs) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(instance, Files::isDirectory)) {
                for (Path entry : entries) {
                    String id = entry.getFileName().toString();
                    if (!live.contains(id)) {
                        ids.add(id);
                    }
                }
            } catch (NoSuchFileException e) {
                // removed by another instance with this tag: nothing left there
            } catch (IOException e) {
                log.warn("cannot list {}", instance, e);
            }
        }
        return ids;
    }

    /** Removes this instance's directories where no container uses them; another instance may still. */
    void close() {
        instanceDirs.forEach(ContainerCgroups::deleteQuietly);
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.debug("keeping {}: {}", dir, e.getMessage());
        }
    }
}
