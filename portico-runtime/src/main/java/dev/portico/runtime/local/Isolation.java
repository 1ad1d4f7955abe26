package dev.portico.runtime.local;

/** How the local runtime isolates containers from each other and from the host. */
public enum Isolation {
    /** {@link #NAMESPACE} when running as root on Linux and namespaces work, {@link #NONE} otherwise. */
    AUTO,
    /**
     * Each container gets its own network, PID and mount namespaces, a veth pair with its own
     * address (so every container can listen on the same port), and a cgroup. Root on Linux only.
     */
    NAMESPACE,
    /** Containers are plain process sessions on loopback, each with a distinct {@code PORT}. */
    NONE
}
