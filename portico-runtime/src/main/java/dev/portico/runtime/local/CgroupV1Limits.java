package dev.portico.runtime.local;

import dev.portico.runtime.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Limits in cgroup v1 hierarchies, one directory per container in each of the cpu, cpuacct (when
 * mounted; often together with cpu) and memory hierarchies, {@code <mount>/portico/<tag>/<id>}:
 *
 * <ul>
 *   <li>{@code cpu.shares} = cores requested × 1024, at least 2;
 *   <li>{@code cpu.cfs_period_us} 100000 and {@code cpu.cfs_quota_us} for a CPU limit;
 *   <li>{@code memory.soft_limit_in_bytes} = the memory request;
 *   <li>{@code memory.limit_in_bytes} = the memory limit, and {@code memory.memsw.limit_in_bytes}
 *       the same where swap is accounted, so that swapping does not stretch it.
 * </ul>
 *
 * <p>The OOM state comes from {@code memory.oom_control}'s {@code oom_kill} counter (Linux 4.13);
 * before that kernel, from {@code memory.failcnt} (the limit was hit, which without swap to fall
 * back on ends in the OOM killer). There is no {@code memory.high} in v1.
 */
final class CgroupV1Limits implements CgroupLimits {

    private final Path cpuInstance;
    private final Path cpuacctInstance;
    private final Path memoryInstance;

    /**
     * @param cpuacctRoot mount point of the cpuacct hierarchy; null when it is not mounted
     *     (CPU usage is then unknown)
     */
    CgroupV1Limits(Path cpuRoot, Path cpuacctRoot, Path memoryRoot, InstanceTag tag) {
        this.cpuInstance = instance(cpuRoot, tag);
        this.cpuacctInstance = cpuacctRoot == null ? null : instance(cpuacctRoot, tag);
        this.memoryInstance = instance(memoryRoot, tag);
    }

    private static Path instance(Path root, InstanceTag tag) {
        return root.resolve("portico").resolve(tag.value());
    }

    @Override
    public String describe() {
        return "cgroup v1 (" + String.join(", ", instanceDirs().stream()
                .map(dir -> dir.getParent().getParent().toString()).toList()) + ")";
    }

    @Override
    public List<Path> instanceDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(cpuInstance);
        if (cpuacctInstance != null) {
            dirs.add(cpuacctInstance);
        }
        dirs.add(memoryInstance);
        return List.copyOf(dirs);
    }

    @Override
    public void prepare() throws IOException {
        for (Path dir : instanceDirs()) {
            Files.createDirectories(dir);
        }
    }

    @Override
    public void apply(String containerId, Resources resources) throws IOException {
        Path cpu = cpuInstance.resolve(containerId);
        if (resources.cpu() > 0) {
            CgroupLimits.write(cpu, "cpu.shares", cpuShares(resources.cpu()));
        }
        if (resources.cpuLimit() > 0) {
            CgroupLimits.write(cpu, "cpu.cfs_period_us", CPU_PERIOD_MICROS);
            CgroupLimits.write(cpu, "cpu.cfs_quota_us", CgroupLimits.cpuQuotaMicros(resources.cpuLimit()));
        }
        Path memory = memoryInstance.resolve(containerId);
        if (resources.memoryLimitMiB() > 0) {
            long limit = CgroupLimits.bytes(resources.memoryLimitMiB());
            CgroupLimits.write(memory, "memory.limit_in_bytes", limit);
            // Memory plus swap must be at least the memory limit, so it is written after it.
            if (Files.exists(memory.resolve("memory.memsw.limit_in_bytes"))) {
                CgroupLimits.write(memory, "memory.memsw.limit_in_bytes", limit);
            }
        }
        if (resources.memoryMiB() > 0) {
            CgroupLimits.write(memory, "memory.soft_limit_in_bytes", CgroupLimits.bytes(resources.memoryMiB()));
        }
    }

    static long cpuShares(double cores) {
        return Math.max(2, Math.round(cores * 1024));
    }

    @Override
    public boolean outOfMemory(String containerId) {
        Path memory = memoryInstance.resolve(containerId);
        OptionalLong kills = CgroupLimits.readKey(memory.resolve("memory.oom_control"), "oom_kill");
        if (kills.isPresent()) {
            return kills.getAsLong() > 0;
        }
        return CgroupLimits.readNumber(memory.resolve("memory.failcnt")).orElse(0) > 0;
    }

    @Override
    public OptionalLong cpuUsageNanos(String containerId) {
        return cpuacctInstance == null
                ? OptionalLong.empty()
                : CgroupLimits.readNumber(cpuacctInstance.resolve(containerId).resolve("cpuacct.usage"));
    }
}
