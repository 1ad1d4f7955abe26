package dev.portico.control.store;

import java.time.Instant;

/**
 * An app: a named group of servers in an environment, deployed as numbered versions.
 *
 * @param activeVersion the version that serves traffic, or null before the first successful deploy
 * @param stopped true after {@code portico app stop}: no containers run until the next deploy
 */
public record AppRecord(
        long id, String environment, String name, Integer activeVersion, boolean stopped, Instant createdAt) {}
