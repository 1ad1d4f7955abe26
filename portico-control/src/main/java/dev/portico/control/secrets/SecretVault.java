package dev.portico.control.secrets;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portico.api.Names;
import dev.portico.control.NotFoundException;
import dev.portico.control.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Named secrets, encrypted at rest with AES-256-GCM. The key lives in {@code $PORTICO_HOME/secret.key}
 * (mode 0600, made on first use), apart from the store, so that a copy of the database alone
 * reveals nothing. Each value is sealed with a fresh 96-bit nonce and the secret's name as
 * associated data, so a sealed value cannot be moved to another name.
 *
 * <p>Values leave the vault only for a container's environment: listings show names and keys.
 */
public final class SecretVault {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Store store;
    private final ObjectMapper json;
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private SecretVault(Store store, ObjectMapper json, SecretKeySpec key) {
        this.store = store;
        this.json = json;
        this.key = key;
    }

    /** Opens the vault, creating the key file on first use. */
    public static SecretVault open(Store store, ObjectMapper json, Path keyFile) {
        try {
            if (!Files.exists(keyFile)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                Files.createDirectories(keyFile.toAbsolutePath().getParent());
                Files.write(Files.createFile(keyFile,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), fresh);
            }
            byte[] bytes = Files.readAllBytes(keyFile);
            if (bytes.length != 32) {
                throw new IllegalStateException(keyFile + " is not a 256-bit key (" + bytes.length + " bytes)");
            }
            return new SecretVault(store, json, new SecretKeySpec(bytes, "AES"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secret key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates or replaces a secret.
     *
     * @throws IllegalArgumentException for a bad name, no pairs, or a key that is no environment variable name
     */
    public void put(String name, Map<String, String> values) {
        Names.problem("secret name", name).ifPresent(p -> { throw new IllegalArgumentException(p); });
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a secret needs at least one KEY=VALUE");
        }
        for (String k : values.keySet()) {
            if (!KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("secret key '" + k + "' must match [A-Za-z_][A-Za-z0-9_]*");
            }
        }
        try {
            store.putSecret(name, seal(name, json.writeValueAsBytes(new TreeMap<>(values))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A secret's pairs, for a container's environment. */
    public Map<String, String> values(String name) {
        byte[] sealed = store.secret(name).orElseThrow(() -> new NotFoundException("secret '" + name + "' does not exist"));
        try {
            return json.readValue(open(name, sealed), new TypeReference<TreeMap<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("secret '" + name + "' is unreadable: " + e.getMessage(), e);
        }
    }

    /** Names and keys of every secret, never values. */
    public Map<String, List<String>> list() {
        Map<String, List<String>> listing = new TreeMap<>();
        for (String name : store.secretNames()) {
            listing.put(name, List.copyOf(values(name).keySet()));
        }
        return listing;
    }

    public boolean exists(String name) {
        return store.secret(name).isPresent();
    }

    public void delete(String name) {
        if (!store.deleteSecret(name)) {
            throw new NotFoundException("secret '" + name + "' does not exist");
        }
    }

    private byte[] seal(String name, byte[] plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is always available", e);
        }
    }

    private byte[] open(String name, byte[] sealed) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("secret '" + name + "' cannot be decrypted with "
                    + "this home's secret.key (was the key file replaced?)");
        }
    }
}
