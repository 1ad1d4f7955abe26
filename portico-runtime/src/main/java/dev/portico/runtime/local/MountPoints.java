package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directories that volumes are bind-mounted on, inside containers that share the host's
 * file system: a mount point must exist, and without a root file system of its own a container's
 * {@code /data} is the host's {@code /data}. Missing ones are created here, before the launch, and
 * counted per container, so that a directory this runtime created is removed again (if still
 * empty) once the last container that uses it has exited. The bind mounts themselves are private
 * to each container's mount namespace; only these empty directories are seen on the host.
 */
final class MountPoints {

    private static final Logger log = LoggerFactory.getLogger(MountPoints.class);

    /** Directories this runtime created, with the number of acquisitions that use them. */
    private final Map<Path, Integer> users = new HashMap<>();

    /**
     * Makes sure every path exists as a directory, creating what is missing.
     *
     * @return what to hand to {@link #release} when the container has exited
     * @throws IOException when a path cannot be created or exists as something else
     */
    synchronized List<Path> acquire(List<String> paths) throws IOException {
        List<Path> used = new ArrayList<>();
        try {
            for (String containerPath : paths) {
                Path path = Path.of(containerPath);
                List<Path> chain = new ArrayList<>();
                for (Path dir = path; dir.getParent() != null; dir = dir.getParent()) {
                    chain.addFirst(dir);
                }
                for (Path dir : chain) {
                    if (users.containsKey(dir)) {
                        users.merge(dir, 1, Integer::sum);
                        used.add(dir);
                        Files.createDirectories(dir);
                    } else if (!Files.exists(dir)) {
                        Files.createDirectory(dir);
                        users.put(dir, 1);
                        used.add(dir);
                    }
                }
                if (!Files.isDirectory(path)) {
                    throw new IOException(containerPath + " exists and is not a directory");
                }
            }
        } catch (IOException | RuntimeException e) {
            release(used);
            throw e;
        }
        return used;
    }

    /** Ends one acquisition: removes the directories it created that nobody else uses. */
    synchronized void release(List<Path> used) {
        for (Path dir : used.reversed()) {
            Integer count = users.get(dir);
            if (count == null) {
                continue;
            }
            if (count > 1) {
                users.put(dir, count - 1);
            } else {
                users.remove(dir);
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    log.debug("keeping mount point {}: {}", dir, e.toString());
                }
            }
        }
    }
}
