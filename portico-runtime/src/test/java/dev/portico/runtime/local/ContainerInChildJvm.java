package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.RunningContainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Started in a child JVM by {@link NamespaceRuntimeTest}: launches one namespace container with
 * children, prints {@value #READY} and its init's pid, and waits to be SIGKILLed.
 */
public final class ContainerInChildJvm {

    static final String READY = "CONTAINER-INIT-PID ";

    private ContainerInChildJvm() {}

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        LocalRuntime runtime = LocalRuntime.create(
                new LocalRuntimeConfig(stateDir, Isolation.NAMESPACE, LocalRuntimeConfig.DEFAULT_ADDRESS_POOL));
        RunningContainer container = runtime.launch(new ContainerLaunch("survivor",
                List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait"), Map.of(), 8000,
                stateDir.resolve("survivor.log")));
        System.out.println(READY + container.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
