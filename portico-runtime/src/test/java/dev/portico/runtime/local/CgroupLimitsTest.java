package dev.portico.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.runtime.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each cgroup layout writes, against plain directories standing in for the hierarchies (this
 * host has only one of the layouts; the runtime tests exercise that one on real cgroups).
 */
class CgroupLimitsTest {

    private static final InstanceTag TAG = new InstanceTag("abc123");

    @TempDir
    Path root;

    @Test
    void resourcesMapToWeightsSharesAndQuotas() {
        assertThat(CgroupV2Limits.cpuWeight(0.125)).isEqualTo(13);
        assertThat(CgroupV2Limits.cpuWeight(1)).isEqualTo(100);
        assertThat(CgroupV2Limits.cpuWeight(0.001)).isEqualTo(1);
        assertThat(CgroupV2Limits.cpuWeight(500)).isEqualTo(10_000);
        assertThat(CgroupV1Limits.cpuShares(0.125)).isEqualTo(128);
        assertThat(CgroupV1Limits.cpuShares(0.001)).isEqualTo(2);
        assertThat(CgroupLimits.cpuQuotaMicros(0.5)).isEqualTo(50_000);
        assertThat(CgroupLimits.cpuQuotaMicros(0.001)).isEqualTo(1000);
    }

    @Test
    void v1WritesSharesQuotaAndMemoryLimitsIntoEachHierarchy() throws IOException {
        CgroupV1Limits limits = new CgroupV1Limits(root.resolve("cpu,cpuacct"), root.resolve("cpu,cpuacct"),
                root.resolve("memory"), TAG);
        limits.prepare();
        assertThat(limits.instanceDirs()).containsExactly(
                root.resolve("cpu,cpuacct/portico/abc123"), root.resolve("memory/portico/abc123"));
        Path cpu = Files.createDirectory(root.resolve("cpu,cpuacct/portico/abc123/ct-1"));
        Path memory = Files.createDirectory(root.resolve("memory/portico/abc123/ct-1"));
        Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712");

        limits.apply("ct-1", Resources.of(0.5, 1.5, 256, 512));

        assertThat(read(cpu)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu.shares", "512", "cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", "150000"));
        assertThat(read(memory)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "memory.limit_in_bytes", "536870912",
                "memory.memsw.limit_in_bytes", "536870912",
                "memory.soft_limit_in_bytes", "268435456"));
    }

    @Test
    void v1WritesNothingForAContainerWithoutResources() throws IOException {
        CgroupV1Limits limits = new CgroupV1Limits(root.resolve("cpu"), null, root.resolve("memory"), TAG);
        limits.prepare();
        Path cpu = Files.createDirectory(root.resolve("cpu/portico/abc123/ct-1"));
        Path memory = Files.createDirectory(root.resolve("memory/portico/abc123/ct-1"));

        limits.apply("ct-1", Resources.NONE);

        assertThat(read(cpu)).isEmpty();
        assertThat(read(memory)).isEmpty();
        assertThat(limits.cpuUsageNanos("ct-1")).isEmpty();
    }

    @Test
    void v1ReadsTheOomKillCounterAndCpuUsage() throws IOException {
        CgroupV1Limits limits = new CgroupV1Limits(root.resolve("cpu"), root.resolve("cpuacct"), root.resolve("memory"), TAG);
        Path memory = Files.createDirectories(root.resolve("memory/portico/abc123/ct-1"));
        Path cpuacct = Files.createDirectories(root.resolve("cpuacct/portico/abc123/ct-1"));
        Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        Files.writeString(cpuacct.resolve("cpuacct.usage"), "1015091926\n");

        assertThat(limits.outOfMemory("ct-1")).isFalse();
        Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        assertThat(limits.outOfMemory("ct-1")).isTrue();
        assertThat(limits.outOfMemory("gone")).isFalse();
        assertThat(limits.cpuUsageNanos("ct-1")).hasValue(1015091926);
    }

    @Test
    void v2EnablesControllersDownToTheInstanceAndWritesLimits() throws IOException {
        CgroupV2Limits limits = new CgroupV2Limits(root, TAG);

        limits.prepare();

        for (Path dir : List.of(root, root.resolve("portico"), root.resolve("portico/abc123"))) {
            assertThat(dir.resolve("cgroup.subtree_control")).hasContent("+cpu +memory");
        }
        assertThat(root.resolve("portico/memory.low")).hasContent("max");
        assertThat(root.resolve("portico/abc123/memory.low")).hasContent("max");
        Path cgroup = Files.createDirectory(root.resolve("portico/abc123/ct-1"));
        Files.writeString(cgroup.resolve("memory.swap.max"), "max");

        limits.apply("ct-1", Resources.of(0.5, 1.5, 256, 512));

        assertThat(read(cgroup)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu.weight", "50",
                "cpu.max", "150000 100000",
                "memory.low", "268435456",
                "memory.max", "536870912",
                "memory.swap.max", "0"));
    }

    @Test
    void v2ReadsOomKillsFromMemoryEventsAndUsageFromCpuStat() throws IOException {
        CgroupV2Limits limits = new CgroupV2Limits(root, TAG);
        Path cgroup = Files.createDirectories(root.resolve("portico/abc123/ct-1"));
        Files.writeString(cgroup.resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\n");
        Files.writeString(cgroup.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");

        assertThat(limits.outOfMemory("ct-1")).isFalse();
        Files.writeString(cgroup.resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
        assertThat(limits.outOfMemory("ct-1")).isTrue();
        assertThat(limits.cpuUsageNanos("ct-1")).hasValue(2_500_000);
    }

    @Test
    void v1HierarchiesAreFoundByControllerInTheMountTable() {
        List<String> separate = List.of(
                "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
                "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
                "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0",
                "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
                "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0");
        assertThat(CgroupLimits.v1Hierarchies(separate)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu", Path.of("/sys/fs/cgroup/cpu"),
                "cpuacct", Path.of("/sys/fs/cgroup/cpuacct"),
                "memory", Path.of("/sys/fs/cgroup/memory")));

        List<String> together = List.of(
                "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0",
                "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0");
        assertThat(CgroupLimits.v1Hierarchies(together)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu", Path.of("/sys/fs/cgroup/cpu,cpuacct"),
                "cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct"),
                "memory", Path.of("/sys/fs/cgroup/memory")));

        assertThat(CgroupLimits.v1Hierarchies(List.of("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0"))).isEmpty();
    }

    private static Map<String, String> read(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.collect(java.util.stream.Collectors.toMap(
                    file -> file.getFileName().toString(), file -> readString(file)));
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
