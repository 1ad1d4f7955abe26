package dev.portico.control.tenancy;

import dev.portico.api.Names;
import dev.portico.api.TokenInfo;
import dev.portico.api.routing.Authenticator;
import dev.portico.control.NotFoundException;
import dev.portico.control.store.Store;
import dev.portico.control.store.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Proxy tokens and the RBAC switch, and the proxy's {@link Authenticator}.
 *
 * <p>The proxy checks every request to an authenticated server, so {@link #check} answers from an
 * immutable in-memory snapshot (one volatile read, one SHA-256 of the presented secret, one
 * constant-time comparison) and never touches the store. The snapshot is rebuilt from the store
 * after every change made here, and on {@link #refresh()} (each autoscaler tick) for changes made
 * by another control-plane process: a revoked token stops working within a second.
 */
public final class TokenRegistry implements Authenticator {

    private static final HexFormat HEX = HexFormat.of();

    /** What the proxy needs of a live token. */
    private record Token(byte[] secretHash, Set<String> environments) {}

    private record Snapshot(Map<String, Token> tokens, boolean rbac) {}

    private final Store store;
    private final SecureRandom random = new SecureRandom();
    private volatile Snapshot snapshot = new Snapshot(Map.of(), false);

    public TokenRegistry(Store store) {
        this.store = store;
        refresh();
    }

    /** A new token and its secret; the secret is returned here and never again. */
    public record Created(String key, String secret, List<String> environments) {}

    public Created create(List<String> environments) {
        for (String environment : environments) {
            Names.problem("environment", environment).ifPresent(p -> { throw new IllegalArgumentException(p); });
            if (!store.environmentExists(environment)) {
                throw new NotFoundException("environment '" + environment + "' does not exist");
            }
        }
        String key = "pk-" + randomHex(12);
        String secret = "ps-" + randomHex(32);
        store.insertToken(key, HEX.formatHex(sha256(secret)), environments);
        refresh();
        return new Created(key, secret, List.copyOf(environments));
    }

    public void revoke(String key) {
        if (!store.revokeToken(key)) {
            throw new NotFoundException("no token " + key);
        }
        refresh();
    }

    public void setRbac(boolean enabled) {
        store.setRbac(enabled);
        refresh();
    }

    public boolean rbacEnabled() {
        return snapshot.rbac();
    }

    /** Tokens as listed: keys and scopes, never secrets or their hashes. */
    public List<TokenInfo> list() {
        return store.tokens().stream()
                .map(t -> new TokenInfo(t.key(), t.environments(), t.createdAt(), t.revokedAt()))
                .toList();
    }

    /** Rebuilds the snapshot from the store. */
    public void refresh() {
        Map<String, Token> tokens = new HashMap<>();
        for (TokenRecord record : store.tokens()) {
            if (record.revokedAt() == null) {
                tokens.put(record.key(), new Token(HEX.parseHex(record.secretHash()), Set.copyOf(record.environments())));
            }
        }
        snapshot = new Snapshot(Map.copyOf(tokens), store.rbacEnabled());
    }

    @Override
    public Decision check(String key, String secret, String environment) {
        if (key == null || secret == null) {
            return Decision.UNAUTHORIZED;
        }
        Snapshot current = snapshot;
        Token token = current.tokens().get(key);
        // Hash even for an unknown key, so that timing does not tell known keys from unknown ones.
        byte[] presented = sha256(secret);
        if (token == null || !MessageDigest.isEqual(token.secretHash(), presented)) {
            return Decision.UNAUTHORIZED;
        }
        if (current.rbac() && !token.environments().isEmpty() && !token.environments().contains(environment)) {
            return Decision.FORBIDDEN;
        }
        return Decision.ALLOW;
    }

    private String randomHex(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return HEX.formatHex(value);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
