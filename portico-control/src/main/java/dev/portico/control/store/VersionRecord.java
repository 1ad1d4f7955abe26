package dev.portico.control.store;

import java.time.Instant;

/**
 * One deploy of an app.
 *
 * @param artifact SHA-256 of the deployed jar
 * @param reason why a version failed, or null
 */
public record VersionRecord(
        long appId, int number, String artifact, String strategy, VersionStatus status, String reason,
        Instant createdAt) {}
