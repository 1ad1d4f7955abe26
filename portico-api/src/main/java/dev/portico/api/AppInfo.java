package dev.portico.api;

import java.time.Instant;
import java.util.List;

/** An app with its versions, as {@code portico app list} shows it. */
public record AppInfo(
        String environment, String name, Integer activeVersion, boolean stopped, List<Version> versions) {

    public AppInfo {
        versions = List.copyOf(versions);
    }

    /** One deployed version; {@code reason} says why a failed one failed. */
    public record Version(int number, String status, String strategy, String artifactSha256, String reason,
                          Instant createdAt) {}
}
