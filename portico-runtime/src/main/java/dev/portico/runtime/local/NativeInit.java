package dev.portico.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code portico-init}, the small C program that starts a namespace container in one process
 * where the util-linux chain takes five (its source, {@code portico-init.c} next to this class,
 * says what it does). Each {@code exec} costs 1.5–3 ms on the small VMs Portico runs on, and more
 * under load, so it saves most of the platform's part of a cold start.
 *
 * <p>It is compiled from the source in this JAR with the host's C compiler ({@code cc}, else
 * {@code gcc}), statically where the C library allows, once per source version and boot, into
 * {@code /run/portico/init/<hash of the source>/}; runtimes after the first find it there. Then
 * it is tried once (a container that runs {@code true}). Without a compiler, or when any of that
 * fails, the runtime uses the util-linux chain, which is equivalent and slower.
 */
final class NativeInit {

    private static final Logger log = LoggerFactory.getLogger(NativeInit.class);
    private static final String SOURCE = "portico-init.c";
    private static final Path DEFAULT_DIR = Path.of("/run/portico/init");

    private NativeInit() {}

    /**
     * The compiled program, ready to use; empty (with the reason logged) when it cannot be had
     * here.
     */
    static Optional<Path> locate() {
        try {
            return Optional.of(build(DEFAULT_DIR));
        } catch (IOException | RuntimeException e) {
            log.info("containers start through setpriv, nsenter and unshare: portico-init is unavailable ({})",
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Finds or compiles the program under {@code baseDir}, and tries it. */
    static Path build(Path baseDir) throws IOException {
        byte[] source;
        try (InputStream in = NativeInit.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IOException(SOURCE + " is missing from the class path");
            }
            source = in.readAllBytes();
        }
        Path dir = baseDir.resolve(hash(source));
        Path program = dir.resolve("portico-init");
        if (!Files.isExecutable(program)) {
            compile(source, dir, program);
        }
        requireOnlyRootCanReplace(program);
        HostCommand.run(List.of(program.toString(), Long.toString(ProcessHandle.current().pid()),
                "/proc/self/ns/net", "0", "0", Executables.findTool("true").orElse(Path.of("/bin/true")).toString()), "\n");
        return program;
    }

    private static void compile(byte[] source, Path dir, Path program) throws IOException {
        Path compiler = Executables.findTool("cc").or(() -> Executables.findTool("gcc"))
                .orElseThrow(() -> new IOException("no C compiler (cc or gcc) on the PATH"));
        Files.createDirectories(dir);
        for (Path created : List.of(dir.getParent(), dir)) { // whatever the umask
            Files.setPosixFilePermissions(created, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path work = Files.createTempDirectory(dir, ".build-");
        try {
            Path file = work.resolve(SOURCE);
            Files.write(file, source);
            Path output = work.resolve("portico-init");
            List<String> command = new ArrayList<>(List.of(compiler.toString(), "-O2", "-o", output.toString(),
                    file.toString()));
            long start = System.nanoTime();
            try {
                List<String> statically = new ArrayList<>(command);
                statically.add(1, "-static");
                HostCommand.run(statically, "");
            } catch (IOException e) {
                log.debug("portico-init cannot be linked statically: {}", e.getMessage());
                HostCommand.run(command, "");
            }
            Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rwxr-xr-x"));
            // Atomic: runtimes compiling at the same time each install a complete program.
            Files.move(output, program, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("compiled {} in {} ms", program, (System.nanoTime() - start) / 1_000_000);
        } finally {
            try (var files = Files.list(work)) {
                for (Path leftover : files.toList()) {
                    Files.deleteIfExists(leftover);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    /**
     * Root runs it: refuses a program that someone other than root could have replaced, through
     * the file or any directory above it (a sticky one such as {@code /tmp} excepted).
     */
    private static void requireOnlyRootCanReplace(Path program) throws IOException {
        for (Path path = program.toAbsolutePath(); path != null; path = path.getParent()) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            int owner = (Integer) Files.getAttribute(path, "unix:uid");
            boolean sticky = (mode & 01000) != 0 && !path.equals(program);
            if (owner != 0 || (!sticky && (mode & 022) != 0)) {
                throw new IOException(path + " can be written by others than root");
            }
        }
    }

    private static String hash(byte[] source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
