package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <stateDir>/containers/<id>.pid}: pid and start time of each live container without
 * isolation, so that a later runtime with the same state directory can end the containers of one
 * that crashed. The start time is what keeps it from killing an unrelated process that got the
 * same pid after a reboot or pid wrap-around.
 */
final class PidFiles {

    private static final Logger log = LoggerFactory.getLogger(PidFiles.class);
    private static final String SUFFIX = ".pid";

    private final Path dir;

    PidFiles(Path stateDir) {
        this.dir = stateDir.resolve("containers");
    }

    void write(String containerId, ProcessHandle leader) throws IOException {
        Files.createDirectories(dir);
        String startTime = startTime(leader.pid()).map(Object::toString).orElse("?");
        Files.writeString(dir.resolve(containerId + SUFFIX), leader.pid() + " " + startTime + "\n");
    }

    void delete(String containerId) {
        try {
            Files.deleteIfExists(dir.resolve(containerId + SUFFIX));
        } catch (IOException e) {
            log.warn("cannot delete the pid file of container {}", containerId, e);
        }
    }

    /**
     * Kills the processes of every recorded container not in {@code live} and deletes its file.
     *
     * @return ids of the leftover containers found
     */
    Set<String> removeLeftovers(Set<String> live) {
        Set<String> found = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String id = file.getFileName().toString().replace(SUFFIX, "");
                if (live.contains(id)) {
                    continue;
                }
                killRecorded(id, Files.readString(file).trim());
                Files.deleteIfExists(file);
                found.add(id);
            }
        } catch (IOException e) {
            log.warn("cannot read pid files in {}", dir, e);
        }
        return found;
    }

    private static void killRecorded(String id, String record) {
        String[] fields = record.split(" ");
        long pid;
        try {
            pid = Long.parseLong(fields[0]);
        } catch (NumberFormatException e) {
            log.warn("ignoring malformed pid file of container {}: {}", id, record);
            return;
        }
        Optional<ProcessHandle> leader = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (leader.isPresent() && !startTime(pid).map(Object::toString).orElse("?").equals(fields[fields.length - 1])) {
            return; // the pid now names another process, so the container's session is gone
        }
        // A dead leader's pid is not reused while members of its session live (see SessionProcesses).
        List<ProcessHandle> members = Stream.concat(
                        leader.stream().flatMap(h -> Stream.concat(Stream.of(h), h.descendants())),
                        ProcFs.available() ? ProcFs.handles(ProcFs.sessionMembers(pid)) : Stream.empty())
                .distinct()
                .toList();
        members.forEach(ProcessHandle::destroyForcibly);
        if (!members.isEmpty()) {
            log.info("killed {} leftover process(es) of container {}", members.size(), id);
        }
    }

    /** Clock ticks after boot on Linux (exact, as in /proc), epoch milliseconds elsewhere. */
    private static Optional<Long> startTime(long pid) {
        if (ProcFs.available()) {
            return ProcFs.stat(pid).map(ProcFs.Stat::startTime);
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Instant::toEpochMilli);
    }
}
