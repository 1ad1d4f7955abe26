package dev.portico.control;

import dev.portico.api.Names;
import dev.portico.control.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named volumes: directories under {@code $PORTICO_HOME/volumes/} that containers mount at the paths
 * their servers name. A volume outlives containers, redeploys and restarts until it is deleted.
 */
public final class Volumes {

    private final Store store;
    private final Path directory;

    public Volumes(Store store, Path directory) {
        this.store = store;
        this.directory = directory;
    }

    public void create(String name) {
        Names.problem("volume name", name).ifPresent(p -> { throw new IllegalArgumentException(p); });
        try {
            Files.createDirectories(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create volume directory " + path(name) + ": " + e.getMessage(), e);
        }
        if (!store.createVolume(name)) {
            throw new IllegalArgumentException("volume '" + name + "' already exists");
        }
    }

    public List<String> list() {
        return store.volumeNames();
    }

    /** Deletes a volume and its files. */
    public void delete(String name) {
        if (!store.volumeExists(name)) {
            throw new NotFoundException("volume '" + name + "' does not exist");
        }
        store.deleteVolume(name);
        try (Stream<Path> files = Files.walk(path(name))) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("volume '" + name + "' deleted, but its files could not all be removed: "
                    + e.getMessage(), e);
        }
    }

    /** The host directory of a volume. */
    public Path path(String name) {
        return directory.resolve(name);
    }
}
