package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads process facts from Linux's {@code /proc} that {@link ProcessHandle} does not offer:
 * session ids, exact start times, children of one process without scanning every process.
 */
final class ProcFs {

    private static final Path PROC = Path.of("/proc");

    private ProcFs() {}

    /** Whether this process runs as root (real uid 0); false where {@code /proc} is missing. */
    static boolean runningAsRoot() {
        try {
            return Files.readAllLines(PROC.resolve("self/status")).stream()
                    .anyMatch(line -> line.startsWith("Uid:") && line.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    /** True on Linux, where {@code /proc/self/stat} exists. */
    static boolean available() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    /**
     * The fields of {@code /proc/PID/stat} the runtime needs.
     *
     * @param state one letter; 'Z' (zombie) and 'X' (dead) mean the process no longer runs
     * @param session session id (the pid of the session leader)
     * @param startTime start time in clock ticks after boot (field 22): with the pid, it
     *     identifies a process across pid reuse
     */
    record Stat(long pid, char state, long session, long startTime) {
        boolean running() {
            return state != 'Z' && state != 'X';
        }
    }

    static Optional<Stat> stat(long pid) {
        String line;
        try {
            line = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        // fields[0] is field 3 (state); field n is fields[n - 3].
        return Optional.of(new Stat(pid, fields[0].charAt(0), Long.parseLong(fields[3]), Long.parseLong(fields[19])));
    }

    /** Running processes whose session id is {@code session}, the leader included. */
    static List<Long> sessionMembers(long session) {
        List<Long> members = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, ProcFs::isPidDir)) {
            for (Path entry : entries) {
                stat(Long.parseLong(entry.getFileName().toString()))
                        .filter(s -> s.session() == session && s.running())
                        .ifPresent(s -> members.add(s.pid()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return members;
    }

    /** Direct children of a single-threaded process, from {@code /proc/PID/task/PID/children}. */
    static List<Long> children(long pid) {
        String text;
        try {
            text = Files.readString(PROC.resolve(pid + "/task/" + pid + "/children"));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read children of " + pid, e);
        }
        List<Long> children = new ArrayList<>();
        for (String token : text.trim().split(" ")) {
            if (!token.isEmpty()) {
                children.add(Long.parseLong(token));
            }
        }
        return children;
    }

    /**
     * Handles of those {@code pids} that still exist. A handle remembers its process's start
     * time, so signalling it later never hits a process that reused the pid.
     */
    static Stream<ProcessHandle> handles(List<Long> pids) {
        return pids.stream().flatMap(pid -> ProcessHandle.of(pid).stream());
    }

    private static boolean isPidDir(Path entry) {
        String name = entry.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
