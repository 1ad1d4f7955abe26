package dev.portico.control.store;

import java.time.Instant;
import java.util.List;

/**
 * A proxy token as stored: never its secret, only the secret's SHA-256.
 *
 * @param environments environments it reaches under RBAC; empty means all
 * @param revokedAt when it was revoked, or null
 */
public record TokenRecord(String key, String secretHash, List<String> environments, Instant createdAt,
                          Instant revokedAt) {

    public TokenRecord {
        environments = List.copyOf(environments);
    }
}
