package dev.portico.control;

import dev.portico.control.store.AppRecord;
import dev.portico.control.store.ContainerRecord;
import dev.portico.control.store.Store;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams the logs of every container of a server, stopped ones too, oldest container first, each
 * line tagged with its container's id. With {@code follow}, keeps streaming new lines (of new
 * containers too) until the client goes away.
 */
public final class LogStreamer {

    private static final long FOLLOW_POLL_MILLIS = 200;

    private final Store store;
    private final Path logDirectory;

    public LogStreamer(Store store, Path logDirectory) {
        this.store = store;
        this.logDirectory = logDirectory;
    }

    /** Writes the logs to {@code out}; returns when done, or when the client disconnects while following. */
    public void stream(String environment, String app, String server, boolean follow, OutputStream out)
            throws IOException {
        AppRecord record = store.app(environment, app)
                .orElseThrow(() -> new NotFoundException("no app " + app + " in environment " + environment));
        Map<String, Long> offsets = new LinkedHashMap<>();
        while (true) {
            List<ContainerRecord> containers = new ArrayList<>(store.containers(record.id(), server));
            containers.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
            for (ContainerRecord container : containers) {
                long offset = offsets.getOrDefault(container.id(), 0L);
                offsets.put(container.id(), copyLines(container.id(), offset, !follow, out));
            }
            out.flush();
            if (!follow) {
                return;
            }
            try {
                Thread.sleep(FOLLOW_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Copies the lines after {@code offset}, tagged; returns the new offset. A last line without its
     * newline is copied only when {@code includePartial} (a follower waits for the rest of it).
     */
    private long copyLines(String containerId, long offset, boolean includePartial, OutputStream out)
            throws IOException {
        Path file = logDirectory.resolve(containerId + ".log");
        if (!Files.exists(file)) {
            return offset;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= offset) {
                return offset;
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 1 << 20)];
            in.seek(offset);
            in.readFully(bytes);
            int end = includePartial ? bytes.length - 1 : lastNewline(bytes);
            if (end < 0) {
                return offset;
            }
            byte[] tag = ("[" + containerId + "] ").getBytes(StandardCharsets.UTF_8);
            int start = 0;
            for (int i = 0; i <= end; i++) {
                if (bytes[i] == '\n') {
                    out.write(tag);
                    out.write(bytes, start, i + 1 - start);
                    start = i + 1;
                }
            }
            if (start <= end) {
                out.write(tag);
                out.write(bytes, start, end + 1 - start);
                out.write('\n');
            }
            return offset + end + 1;
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
