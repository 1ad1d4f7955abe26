package dev.portico.runtime.local;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Six hex characters that identify a runtime instance on this host, derived from its state
 * directory. Every host-wide name the runtime creates (network namespaces, veth interfaces, cgroup
 * directories) carries it, so that several runtimes can share a host and each one's
 * {@code removeLeftovers()} touches only what an earlier instance with the same state directory
 * left behind. Short because Linux interface names hold at most 15 characters.
 */
record InstanceTag(String value) {

    static InstanceTag of(Path stateDir) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(stateDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return new InstanceTag(HexFormat.of().formatHex(hash, 0, 3));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
