package dev.portico.control.fleet;

import java.util.concurrent.CompletableFuture;

/**
 * A container the fleet has just recorded and is launching.
 *
 * @param ready completes when it is ready; exceptionally with {@link ContainerFailedException}
 *     when it fails or is stopped first
 */
public record StartedContainer(String id, CompletableFuture<Void> ready) {}
