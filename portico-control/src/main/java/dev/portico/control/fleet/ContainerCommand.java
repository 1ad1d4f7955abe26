package dev.portico.control.fleet;

import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the command and environment of a container: a small JVM running the SDK's entrypoint
 * ({@code dev.portico.internal.ContainerMain}) over the app's jar.
 *
 * <p>The JVM is tuned for a short start and a small footprint, since it only runs the user's
 * {@code @Enter} methods and then waits: serial GC, small heap, C1 only, no perf data file, and a
 * JDK AOT cache of the entrypoint's own start (classes loaded and linked ahead of time). The cache
 * is made once per JDK and SDK by a training run ({@link #trainAotCache}) and shared read-only by
 * every container; containers launched before it exists start without it.
 */
public final class ContainerCommand {

    private static final Logger log = LoggerFactory.getLogger(ContainerCommand.class);

    private static final List<String> JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-Xms8m", "-Xmx64m", "-Xss512k", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");
    private static final String ENTRYPOINT = "dev.portico.internal.ContainerMain";
    private static final String TRAINING_CLASS = "dev.portico.internal.AotTraining";

    private final Path java;
    private final Path sdkJar;
    private volatile Path aotCache;

    /**
     * @param java the {@code java} launcher (JDK 25)
     * @param sdkJar the SDK jar (or classes directory) holding the entrypoint and the annotations
     */
    public ContainerCommand(Path java, Path sdkJar) {
        this.java = java;
        this.sdkJar = sdkJar;
    }

    /** The command that starts a container of {@code spec} from {@code artifact}. */
    public List<String> command(ServerSpec spec, Path artifact) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(JVM_OPTIONS);
        Path cache = aotCache;
        if (cache != null) {
            command.add("-XX:AOTCache=" + cache);
        }
        command.add("-cp");
        command.add(sdkJar + File.pathSeparator + artifact);
        command.add(ENTRYPOINT);
        command.add(spec.className());
        return command;
    }

    /** The environment of DESIGN.md §2 (the runtime adds {@code PORT}). */
    public Map<String, String> environment(String containerId, ServerKey key, ServerSpec spec) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : spec.env()) {
            int eq = entry.indexOf('=');
            environment.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        environment.put("PORTICO_CONTAINER_ID", containerId);
        environment.put("PORTICO_APP", key.app());
        environment.put("PORTICO_SERVER", key.server());
        environment.put("PORTICO_ENVIRONMENT", key.environment());
        environment.put("PORTICO_REGION", spec.routingRegion());
        return environment;
    }

    /**
     * Uses the entrypoint's AOT cache in {@code directory}, making it first when absent (a training
     * run of a second or two; call it off the start-up path). The cache's name carries the JDK and
     * the SDK's size and time, so an upgrade of either makes a new one. A failed training is logged
     * and containers simply start without a cache.
     */
    public void trainAotCache(Path directory) {
        try {
            Files.createDirectories(directory);
            String key = Integer.toHexString((Runtime.version() + "|" + java + "|" + Files.size(sdkJar) + "|"
                    + Files.getLastModifiedTime(sdkJar).toMillis()).hashCode());
            Path cache = directory.resolve("entrypoint-" + key + ".aot");
            if (!Files.exists(cache)) {
                Path partial = directory.resolve("entrypoint-" + key + ".aot.tmp");
                List<String> command = new ArrayList<>(List.of(java.toString()));
                command.addAll(JVM_OPTIONS);
                command.addAll(List.of("-XX:AOTCacheOutput=" + partial, "-cp", sdkJar.toString(), ENTRYPOINT,
                        TRAINING_CLASS));
                Process training = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(directory.resolve("training.log").toFile())
                        .start();
                if (!training.waitFor(60, TimeUnit.SECONDS) || training.exitValue() != 0 || !Files.exists(partial)) {
                    training.destroyForcibly();
                    log.warn("entrypoint AOT training failed (see {}); containers start without a cache",
                            directory.resolve("training.log"));
                    return;
                }
                Files.move(partial, cache);
            }
            aotCache = cache;
            log.info("containers start from the AOT cache {}", cache);
        } catch (IOException e) {
            log.warn("entrypoint AOT cache unavailable: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
