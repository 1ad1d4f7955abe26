package dev.portico.api;

import java.time.Instant;
import java.util.List;

/**
 * A proxy token as listed: its key and scopes, never its secret.
 *
 * @param environments environments it reaches under RBAC; empty means all
 * @param revokedAt null while it is valid
 */
public record TokenInfo(String key, List<String> environments, Instant createdAt, Instant revokedAt) {

    public TokenInfo {
        environments = List.copyOf(environments);
    }
}
