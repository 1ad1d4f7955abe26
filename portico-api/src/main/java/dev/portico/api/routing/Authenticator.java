package dev.portico.api.routing;

/**
 * Checks proxy tokens ({@code Modal-Key}/{@code Modal-Secret}) for servers that are not
 * unauthenticated. Called on event-loop threads for every such request: implementations answer
 * from memory in microseconds and never block.
 */
@FunctionalInterface
public interface Authenticator {

    /** The outcome of a check. */
    enum Decision {
        /** Valid token, scoped to the environment (or RBAC off). */
        ALLOW,
        /** Missing, unknown or wrong credentials: 401. */
        UNAUTHORIZED,
        /** Valid token not scoped to the server's environment while RBAC is on: 403. */
        FORBIDDEN
    }

    /**
     * @param key the {@code Modal-Key} header value, or null when absent
     * @param secret the {@code Modal-Secret} header value, or null when absent
     * @param environment the environment of the server the request is for
     */
    Decision check(String key, String secret, String environment);

    /** Denies every request: the answer while no token exists. */
    static Authenticator denyAll() {
        return (key, secret, environment) -> Decision.UNAUTHORIZED;
    }
}
