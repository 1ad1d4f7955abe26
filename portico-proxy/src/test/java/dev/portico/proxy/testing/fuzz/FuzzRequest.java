package dev.portico.proxy.testing.fuzz;

import java.util.Set;

/**
 * One request of a fuzz run: the bytes written to the proxy and what the proxy may answer.
 *
 * @param kind how it was made
 * @param label what it is, for failure messages
 * @param bytes what is written to the proxy
 * @param allowedStatuses the statuses an answer may have (a valid request: exactly one)
 * @param head a HEAD request: its response has no body whatever its headers say
 * @param expectedBody for a valid request the container answers: the body it must get; null: not checked
 * @param closes a valid request after whose answer the proxy must close (HTTP/1.0, {@code Connection: close})
 * @param upgrade a valid upgrade request: answered 101, then the container echoes raw bytes
 */
public record FuzzRequest(
        Kind kind,
        String label,
        byte[] bytes,
        Set<Integer> allowedStatuses,
        boolean head,
        byte[] expectedBody,
        boolean closes,
        boolean upgrade) {

    public enum Kind { VALID, MUTATED, RANDOM }

    public boolean valid() {
        return kind == Kind.VALID;
    }
}
