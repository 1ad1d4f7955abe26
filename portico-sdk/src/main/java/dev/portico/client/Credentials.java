package dev.portico.client;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The admin credential of a Portico home: {@code $PORTICO_HOME/credentials}, mode 0600, written by
 * {@code portico up}, read by the CLI. Holds the API token and the API's URL (which differs from
 * the default when {@code up} was told another port).
 */
public record Credentials(String url, String token) {

    public static final String FILE = "credentials";

    /** Reads the credential of a home. */
    public static Credentials read(Path home) {
        Path file = home.resolve(FILE);
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (is `portico up` running with this"
                    + " PORTICO_HOME?): " + e.getMessage(), e);
        }
        return new Credentials(properties.getProperty("url"), properties.getProperty("token"));
    }

    /** The token of an earlier run, or a new random one. */
    public static String existingOrNewToken(Path home) {
        if (Files.exists(home.resolve(FILE))) {
            String token = read(home).token();
            if (token != null && token.length() >= 32) {
                return token;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Writes the file readable by its owner only. */
    public void write(Path home) {
        Path file = home.resolve(FILE);
        Properties properties = new Properties();
        properties.setProperty("url", url);
        properties.setProperty("token", token);
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer writer = Files.newBufferedWriter(file, StandardOpenOption.WRITE)) {
                properties.store(writer, "Portico admin credential: keep it secret");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
