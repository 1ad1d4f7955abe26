package dev.portico.api;

/**
 * A server of an app's active version, as {@code portico server list} shows it.
 *
 * @param load time-weighted mean in-flight requests over the last tick
 * @param desired the autoscaler's current decision
 * @param reason the rule that made that decision
 */
public record ServerInfo(
        String environment, String app, String name, int version, String url, String routingRegion,
        boolean unauthenticated, int ready, int starting, int draining, double load, int desired,
        String reason, AutoscalerSettings settings) {}
