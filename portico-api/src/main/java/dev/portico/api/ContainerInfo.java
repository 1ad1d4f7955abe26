package dev.portico.api;

import java.time.Instant;

/**
 * A container, as {@code portico container list} shows it.
 *
 * @param reason why it is in its state (failure reason, drain cause), or null
 * @param restarts how many containers of its server and version had failed before it was created
 *     (containers are replaced, not restarted in place)
 * @param lastFailure why the latest of those failed, or null
 */
public record ContainerInfo(
        String id, String environment, String app, String server, int version, ContainerState state,
        String address, int inFlight, String reason, int restarts, String lastFailure, Instant createdAt) {}
