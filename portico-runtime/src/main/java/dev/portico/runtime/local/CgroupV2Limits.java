package dev.portico.runtime.local;

import dev.portico.runtime.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits in the unified hierarchy (cgroup v2), in the same directory
 * {@code <root>/portico/<tag>/<id>} that {@link ContainerCgroups} kills through:
 *
 * <ul>
 *   <li>{@code cpu.weight} = cores requested × 100, within 1..10000 (the default weight, 100,
 *       is one core's worth);
 *   <li>{@code cpu.max} = {@code "<quota> 100000"} for a CPU limit;
 *   <li>{@code memory.low} = the memory request (protection from reclaim);
 *   <li>{@code memory.max} = the memory limit, with {@code memory.swap.max} 0 so that the limit
 *       is not stretched by swapping.
 * </ul>
 *
 * <p>Controllers reach a cgroup only when every ancestor lists them in
 * {@code cgroup.subtree_control}: {@link #prepare()} enables cpu and memory from the root down.
 * That fails (EBUSY) where the root is not the host's and holds processes itself, as in a
 * container without a delegated subtree; limits are then unavailable. Because
 * {@code memory.low} protects a cgroup only as far as its ancestors are protected, the two
 * Portico levels get {@code memory.low = max}, so each container's request is what counts.
 */
final class CgroupV2Limits implements CgroupLimits {

    private static final Logger log = LoggerFactory.getLogger(CgroupV2Limits.class);
    private static final List<String> CONTROLLERS = List.of("cpu", "memory");

    private final Path root;
    private final Path instanceDir;

    CgroupV2Limits(Path root, InstanceTag tag) {
        this.root = root;
        this.instanceDir = root.resolve("portico").resolve(tag.value());
    }

    @Override
    public String describe() {
        return "cgroup v2 (" + root + ")";
    }

    @Override
    public List<Path> instanceDirs() {
        return List.of(instanceDir);
    }

    @Override
    public void prepare() throws IOException {
        if (CgroupLimits.listsAll(instanceDir.resolve("cgroup.subtree_control"), CONTROLLERS)) {
            return;
        }
        Files.createDirectories(instanceDir);
        for (Path dir : List.of(root, instanceDir.getParent(), instanceDir)) {
            if (!CgroupLimits.listsAll(dir.resolve("cgroup.subtree_control"), CONTROLLERS)) {
                CgroupLimits.write(dir, "cgroup.subtree_control", "+cpu +memory");
            }
        }
        for (Path dir : List.of(instanceDir.getParent(), instanceDir)) {
            try {
                CgroupLimits.write(dir, "memory.low", "max");
            } catch (IOException e) {
                log.debug("cannot protect {}: memory requests may not be honoured ({})", dir, e.toString());
            }
        }
    }

    @Override
    public void apply(String containerId, Resources resources) throws IOException {
        Path cgroup = instanceDir.resolve(containerId);
        if (resources.cpu() > 0) {
            CgroupLimits.write(cgroup, "cpu.weight", cpuWeight(resources.cpu()));
        }
        if (resources.cpuLimit() > 0) {
            CgroupLimits.write(cgroup, "cpu.max",
                    CgroupLimits.cpuQuotaMicros(resources.cpuLimit()) + " " + CPU_PERIOD_MICROS);
        }
        if (resources.memoryMiB() > 0) {
            CgroupLimits.write(cgroup, "memory.low", CgroupLimits.bytes(resources.memoryMiB()));
        }
        if (resources.memoryLimitMiB() > 0) {
            CgroupLimits.write(cgroup, "memory.max", CgroupLimits.bytes(resources.memoryLimitMiB()));
            if (Files.exists(cgroup.resolve("memory.swap.max"))) {
                CgroupLimits.write(cgroup, "memory.swap.max", 0);
            }
        }
    }

    static long cpuWeight(double cores) {
        return Math.clamp(Math.round(cores * 100), 1, 10_000);
    }

    @Override
    public boolean outOfMemory(String containerId) {
        return CgroupLimits.readKey(instanceDir.resolve(containerId).resolve("memory.events"), "oom_kill")
                .orElse(0) > 0;
    }

    @Override
    public OptionalLong cpuUsageNanos(String containerId) {
        OptionalLong micros = CgroupLimits.readKey(instanceDir.resolve(containerId).resolve("cpu.stat"), "usage_usec");
        return micros.isPresent() ? OptionalLong.of(micros.getAsLong() * 1000) : micros;
    }
}
