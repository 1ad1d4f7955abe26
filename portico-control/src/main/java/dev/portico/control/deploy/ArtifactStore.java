package dev.portico.control.deploy;

import dev.portico.control.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deploy artifacts, content-addressed by SHA-256: {@code <dir>/<sha256>.jar}, recorded in the
 * store. A jar deployed twice is kept once; a stored artifact never changes.
 */
public final class ArtifactStore {

    private final Path directory;
    private final Store store;

    public ArtifactStore(Path directory, Store store) {
        this.directory = directory;
        this.store = store;
    }

    /** Moves an uploaded file into the store (fsynced) and returns its SHA-256. */
    public String put(Path upload) {
        try {
            Files.createDirectories(directory);
            String sha256 = sha256(upload);
            Path target = path(sha256);
            if (Files.exists(target)) {
                Files.delete(upload);
            } else {
                try (FileChannel channel = FileChannel.open(upload, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
            }
            store.putArtifact(sha256, Files.size(target));
            return sha256;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the artifact: " + e.getMessage(), e);
        }
    }

    public Path path(String sha256) {
        return directory.resolve(sha256 + ".jar");
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
