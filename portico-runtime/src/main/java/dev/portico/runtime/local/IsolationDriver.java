package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;

/** Creates containers with one kind of isolation; {@link LocalRuntime} does the bookkeeping. */
sealed interface IsolationDriver extends AutoCloseable permits NamespaceIsolation, ProcessGroupIsolation {

    /** Such as {@code "local (namespace isolation)"}. */
    String describe();

    /** Creates and starts one container; on failure nothing of it is left behind. */
    LocalContainer launch(ContainerLaunch launch) throws LaunchException;

    /** Frees what the driver holds for the runtime's lifetime; its containers have all exited. */
    @Override
    void close();
}
