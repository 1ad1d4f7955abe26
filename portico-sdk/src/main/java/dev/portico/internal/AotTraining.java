package dev.portico.internal;

import dev.portico.Enter;

/**
 * The workload of the entrypoint's AOT training run: the platform runs {@link ContainerMain} on this
 * class once, with {@code -XX:AOTCacheOutput}, so that the JDK records what a container's start
 * loads and links (the entrypoint, reflection, process launching) into a cache that every later
 * container starts from. It does what a typical {@code @Enter} does, start a process, then ends
 * the run.
 */
public final class AotTraining {

    @Enter
    void start() throws Exception {
        new ProcessBuilder("true").inheritIO().start().waitFor();
        System.exit(0);
    }
}
