package dev.portico.runtime.local;

import dev.portico.runtime.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a container's {@link Resources} into its cgroups, in whichever layout the host has:
 * controllers in the unified hierarchy ({@link CgroupV2Limits}), or one v1 hierarchy per
 * controller ({@link CgroupV1Limits}). Chosen by {@link #detect}, never assumed.
 *
 * <p>Every layout keeps one directory per runtime instance in each hierarchy it uses,
 * {@code <hierarchy>/portico/<tag>}, in which each container gets a directory named after its id;
 * {@link ContainerCgroups} creates, joins and removes those.
 */
sealed interface CgroupLimits permits CgroupV1Limits, CgroupV2Limits {

    /** CFS period of CPU limits, in microseconds. */
    long CPU_PERIOD_MICROS = 100_000;

    /** Such as {@code "cgroup v1 (cpu, cpuacct, memory)"}. */
    String describe();

    /** This instance's directory in each hierarchy that carries limits (existing or not). */
    List<Path> instanceDirs();

    /** Creates the instance directories when missing and enables what their children need. */
    void prepare() throws IOException;

    /** Writes {@code resources} into the container's directories, which exist and are empty. */
    void apply(String containerId, Resources resources) throws IOException;

    /** Whether the kernel's OOM killer killed a process of the container; false when unknown. */
    boolean outOfMemory(String containerId);

    /** CPU time the container's processes used, from the cgroup's own accounting. */
    OptionalLong cpuUsageNanos(String containerId);

    /** CFS quota for a limit of {@code cores}, at least the kernel's minimum of 1 ms. */
    static long cpuQuotaMicros(double cores) {
        return Math.max(1000, Math.round(cores * CPU_PERIOD_MICROS));
    }

    static long bytes(int mebibytes) {
        return mebibytes * 1024L * 1024L;
    }

    /**
     * The layout of this host: v2 when the unified hierarchy at {@code unifiedRoot} offers the
     * cpu and memory controllers, else v1 when cpu and memory hierarchies are mounted, else none
     * (containers then run without limits).
     *
     * @param unifiedRoot root of the unified hierarchy; null when there is none or it is unusable
     */
    static Optional<CgroupLimits> detect(Path unifiedRoot, InstanceTag tag) {
        Logger log = LoggerFactory.getLogger(CgroupLimits.class);
        if (unifiedRoot != null && controllers(unifiedRoot).containsAll(Set.of("cpu", "memory"))) {
            return prepared(new CgroupV2Limits(unifiedRoot, tag), log);
        }
        Map<String, Path> v1 = v1Hierarchies(readMounts());
        if (v1.containsKey("cpu") && v1.containsKey("memory")) {
            return prepared(new CgroupV1Limits(v1.get("cpu"), v1.get("cpuacct"), v1.get("memory"), tag), log);
        }
        log.info("no cgroup hierarchy with the cpu and memory controllers; containers run without resource limits");
        return Optional.empty();
    }

    private static Optional<CgroupLimits> prepared(CgroupLimits limits, Logger log) {
        try {
            limits.prepare();
            return Optional.of(limits);
        } catch (IOException e) {
            log.warn("{} cannot be used ({}); containers run without resource limits", limits.describe(), e.toString());
            return Optional.empty();
        }
    }

    /** The controllers a cgroup v2 directory offers ({@code cgroup.controllers}). */
    static Set<String> controllers(Path cgroup) {
        try {
            return Set.of(Files.readString(cgroup.resolve("cgroup.controllers")).trim().split("\\s+"));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /**
     * Mount points of cgroup v1 hierarchies by controller, from {@code /proc/self/mounts} lines
     * such as {@code cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0}: two
     * controllers mounted together map to the same directory.
     */
    static Map<String, Path> v1Hierarchies(List<String> mounts) {
        Map<String, Path> hierarchies = new HashMap<>();
        for (String line : mounts) {
            String[] fields = line.split(" ");
            if (fields.length < 4 || !fields[2].equals("cgroup")) {
                continue;
            }
            Path mountPoint = Path.of(fields[1].replace("\\040", " "));
            for (String option : fields[3].split(",")) {
                if (Set.of("cpu", "cpuacct", "memory").contains(option)) {
                    hierarchies.putIfAbsent(option, mountPoint);
                }
            }
        }
        return hierarchies;
    }

    private static List<String> readMounts() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Writes {@code value} to a cgroup control file. */
    static void write(Path cgroup, String file, Object value) throws IOException {
        Files.writeString(cgroup.resolve(file), value.toString());
    }

    /** The number after {@code key} in a flat-keyed file such as {@code memory.events}. */
    static OptionalLong readKey(Path file, String key) {
        try {
            return Files.readAllLines(file).stream()
                    .map(line -> line.split("\\s+"))
                    .filter(fields -> fields.length == 2 && fields[0].equals(key))
                    .mapToLong(fields -> Long.parseLong(fields[1]))
                    .findFirst();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            LoggerFactory.getLogger(CgroupLimits.class).debug("cannot read {} from {}: {}", key, file, e.toString());
            return OptionalLong.empty();
        }
    }

    /** The number in a single-value file such as {@code cpuacct.usage}. */
    static OptionalLong readNumber(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether {@code file} lists every one of {@code words}, such as controllers. */
    static boolean listsAll(Path file, List<String> words) {
        try {
            return Arrays.asList(Files.readString(file).trim().split("\\s+")).containsAll(words);
        } catch (IOException e) {
            return false;
        }
    }
}
