package dev.portico.api;

import java.time.Instant;

/**
 * A container, as {@code portico container list} shows it.
 *
 * @param reason why it is in its state (failure reason, drain cause), or null
 */
public record ContainerInfo(
        String id, String environment, String app, String server, int version, ContainerState state,
        String address, int inFlight, String reason, Instant createdAt) {}
