package dev.portico.runtime.local;

/**
 * The isolation-specific part of a {@link LocalContainer}: which processes belong to it, how
 * they are signalled, and what must be released once it has exited.
 */
sealed interface ContainerProcesses permits NamespaceProcesses, SessionProcesses {

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
