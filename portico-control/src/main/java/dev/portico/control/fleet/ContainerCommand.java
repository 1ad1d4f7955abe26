package dev.portico.control.fleet;

import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the command and environment of a container: a small JVM running the SDK's entrypoint
 * ({@code dev.portico.internal.ContainerMain}) over the app's jar.
 *
 * <p>The JVM is tuned for a short start and a small footprint, since it only runs the user's
 * {@code @Enter} methods and then waits: serial GC, small heap, C1 only, no perf data file.
 *
 * @param java the {@code java} launcher (JDK 25)
 * @param sdkJar the SDK jar (or classes directory) holding the entrypoint and the annotations
 * @param extraJvmOptions further options, such as an AOT cache
 */
public record ContainerCommand(Path java, Path sdkJar, List<String> extraJvmOptions) {

    private static final List<String> JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-Xms8m", "-Xmx64m", "-Xss512k", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");

    public ContainerCommand {
        extraJvmOptions = List.copyOf(extraJvmOptions);
    }

    /** The command that starts a container of {@code spec} from {@code artifact}. */
    public List<String> command(ServerSpec spec, Path artifact) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(extraJvmOptions);
        command.add("-cp");
        command.add(sdkJar + File.pathSeparator + artifact);
        command.add("dev.portico.internal.ContainerMain");
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
}
