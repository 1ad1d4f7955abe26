package dev.portico.runtime.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds programs the way {@code execvp} would, so a missing one is reported before launch. */
final class Executables {

    private static final String SYSTEM_DIRS = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Executables() {}

    /**
     * Resolves {@code name} against {@code path} (a {@code PATH} value); a name containing '/'
     * is taken as a file path.
     */
    static Optional<Path> find(String name, String path) {
        try {
            if (name.contains("/")) {
                Path file = Path.of(name);
                return Files.isRegularFile(file) && Files.isExecutable(file) ? Optional.of(file) : Optional.empty();
            }
            for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
                Path file = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                    return Optional.of(file);
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Finds a system tool such as {@code ip} or {@code setpriv}. Also looks in the sbin
     * directories, which a non-login root shell's {@code PATH} may lack.
     */
    static Optional<Path> findTool(String name) {
        return find(name, System.getenv("PATH")).or(() -> find(name, SYSTEM_DIRS)).map(Path::toAbsolutePath);
    }
}
