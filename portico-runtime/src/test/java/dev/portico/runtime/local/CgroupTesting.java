package dev.portico.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where a runtime's cgroups would be, found independently of the runtime's own detection. */
final class CgroupTesting {

    private CgroupTesting() {}

    /** {@code <mount>/portico/<tag>} for every cgroup (v1 or v2) mount of this host. */
    static List<Path> instanceDirs(Path stateDir) {
        List<String> mounts;
        try {
            mounts = Files.readAllLines(Path.of("/proc/self/mounts"));
        } catch (IOException e) {
            if (!Files.exists(Path.of("/proc/self/mounts"))) {
                return List.of();
            }
            throw new UncheckedIOException(e);
        }
        return mounts.stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length > 2 && (fields[2].equals("cgroup") || fields[2].equals("cgroup2")))
                .map(fields -> Path.of(fields[1], "portico", InstanceTag.of(stateDir).value()))
                .distinct()
                .toList();
    }
}
