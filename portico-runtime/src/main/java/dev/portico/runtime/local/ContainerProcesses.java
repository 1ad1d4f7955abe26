package dev.portico.runtime.local;

import java.util.Optional;

/**
 * The isolation-specific part of a {@link LocalContainer}: which processes belong to it, how
 * they are signalled, and what must be released once it has exited.
 */
sealed interface ContainerProcesses permits NamespaceProcesses, SessionProcesses {

    /** The container's cgroups, when it has any: its limits and accounting. */
    Optional<ContainerCgroup> cgroup();

    /**
     * Whether the kernel OOM-killed a process of the container for exceeding its memory limit;
     * read before {@link #release()} removes the cgroups.
     */
    default boolean outOfMemory() {
        return cgroup().map(ContainerCgroup::outOfMemory).orElse(false);
    }

    /** Host PID of the container's first process (the user's command). */
    long pid();

    /** Sends SIGTERM the way this isolation defines "asking the container to stop". */
    void terminate();

    /** SIGKILLs every process of the container; harmless when they are already gone. */
    void killAll();

    /**
     * Called once, after the launched process has exited: ends whatever of the container is left
     * and frees its resources (addresses, namespaces, cgroups, ports, pid files). Never throws;
     * failures are logged.
     */
    void release();
}
