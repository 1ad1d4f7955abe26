package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.RunningContainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Started in a child JVM by {@link NamespaceRuntimeTest}: launches one namespace container with
 * children, waits until the network pool is full again (so that no {@code ip} process of its
 * refill outlives the JVM and recreates what the test's cleanup removes), prints {@value #READY}
 * and its init's pid, and waits to be SIGKILLed.
 */
public final class ContainerInChildJvm {

    static final String READY = "CONTAINER-INIT-PID ";

    private ContainerInChildJvm() {}

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        int networkPool = Integer.parseInt(args[1]);
        LocalRuntime runtime = LocalRuntime.create(
                new LocalRuntimeConfig(stateDir, Isolation.NAMESPACE, LocalRuntimeConfig.DEFAULT_ADDRESS_POOL)
                        .withNetworkPool(networkPool));
        RunningContainer container = runtime.launch(new ContainerLaunch("survivor",
                List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait"), Map.of(), 8000,
                stateDir.resolve("survivor.log")));
        NetworkPool pool = ((NamespaceIsolation) runtime.driver()).networkPool();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.readyCount() < networkPool && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        System.out.println(READY + container.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
