package dev.portico.control.store;

import dev.portico.api.ContainerState;
import java.time.Instant;

/**
 * A container as recorded in the store.
 *
 * @param address where it listens ({@code host:port}), or null before launch
 * @param reason why it reached its current state, or null
 */
public record ContainerRecord(
        String id, long appId, int version, String server, ContainerState state, String address,
        String reason, Instant createdAt, Instant updatedAt) {}
