package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import java.util.Set;

/** Creates containers with one kind of isolation; {@link LocalRuntime} does the bookkeeping. */
sealed interface IsolationDriver extends AutoCloseable permits NamespaceIsolation, ProcessGroupIsolation {

    /** Such as {@code "local (namespace isolation)"}. */
    String describe();

    /** Whether containers get the CPU and memory requests and limits of their launch. */
    boolean limitsResources();

    /**
     * Ends and removes what earlier instances with this runtime's tag left that this driver
     * keeps track of (namespaces, interfaces, cgroups).
     *
     * @param live ids of this instance's containers, which are left alone
     * @return ids of the leftover containers found
     */
    Set<String> removeLeftovers(Set<String> live);

    /** Creates and starts one container; on failure nothing of it is left behind. */
    LocalContainer launch(ContainerLaunch launch) throws LaunchException;

    /** Frees what the driver holds for the runtime's lifetime; its containers have all exited. */
    @Override
    void close();
}
