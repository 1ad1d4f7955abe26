package dev.portico.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A server as deployed: the values of its {@code @Server} annotation with defaults filled in
 * (DESIGN.md §2). Times are whole seconds, memory MiB, CPU cores.
 *
 * <p>Sentinels: {@code maxContainers = -1} is unbounded; {@code targetConcurrency = 0},
 * {@code scaleupWindow = 0}, {@code cpuLimit = 0} and {@code memoryLimit = 0} are unset; empty
 * strings are unset.
 *
 * @param className the fully qualified name of the class carrying {@code @Server}
 */
public record ServerSpec(
        String className,
        String name,
        int port,
        boolean unauthenticated,
        int startupTimeout,
        int exitGracePeriod,
        double targetConcurrency,
        int minContainers,
        int maxContainers,
        int bufferContainers,
        int scaleupWindow,
        int scaledownWindow,
        String routingRegion,
        String computeRegion,
        double cpu,
        double cpuLimit,
        int memory,
        int memoryLimit,
        String gpu,
        List<String> secrets,
        List<String> volumes,
        List<String> env,
        String image,
        boolean enableMemorySnapshot) {

    public static final int UNBOUNDED = -1;

    private static final Pattern ENV_ENTRY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*", Pattern.DOTALL);
    private static final Pattern VOLUME_ENTRY = Pattern.compile("([a-z0-9-]+):(/.*)");
    private static final Pattern GPU = Pattern.compile("any|[A-Za-z0-9-]+(:[1-8])?");

    public ServerSpec {
        secrets = List.copyOf(secrets);
        volumes = List.copyOf(volumes);
        env = List.copyOf(env);
    }

    /** The spec of a class whose {@code @Server} sets nothing: every attribute at its default. */
    public static ServerSpec defaults(String className) {
        String simpleName = className.substring(className.lastIndexOf('.') + 1);
        simpleName = simpleName.substring(simpleName.lastIndexOf('$') + 1);
        return new ServerSpec(className, simpleName.toLowerCase(Locale.ROOT), 8000, false, 30, 0, 0,
                0, UNBOUNDED, 0, 0, 60, Regions.DEFAULT, "", 0.125, 0, 128, 0, "",
                List.of(), List.of(), List.of(), "", false);
    }

    /**
     * Every problem with this spec, each naming the class, the attribute and the allowed range,
     * such as {@code "com.example.Hello: @Server(port = 0): port must be in 1..65535"}.
     */
    public List<String> problems() {
        Problems p = new Problems(className);
        Names.problem("server name", name).ifPresent(m -> p.add("name", quote(name), m));
        p.range("port", port, 1, 65535);
        p.range("startupTimeout", startupTimeout, 1, 3600);
        p.range("exitGracePeriod", exitGracePeriod, 0, 3600);
        for (AutoscalerSettings.Problem problem : AutoscalerSettings.of(this).problems()) {
            p.add(problem.setting(), problem.value(), problem.message());
        }
        if (!Regions.ROUTING.contains(routingRegion)) {
            p.add("routingRegion", quote(routingRegion), "routingRegion must be one of " + Regions.ROUTING);
        }
        if (!computeRegion.isEmpty()) {
            Names.problem("computeRegion", computeRegion).ifPresent(m -> p.add("computeRegion", quote(computeRegion), m));
        }
        if (!(cpu > 0 && cpu <= 256)) {
            p.add("cpu", Double.toString(cpu), "cpu must be in (0, 256] cores");
        }
        if (cpuLimit != 0 && !(cpuLimit >= cpu && cpuLimit <= 256)) {
            p.add("cpuLimit", Double.toString(cpuLimit), "cpuLimit must be 0 (none) or in [cpu, 256] cores");
        }
        p.range("memory", memory, 1, 4 * 1024 * 1024);
        if (memoryLimit != 0 && (memoryLimit < memory || memoryLimit > 4 * 1024 * 1024)) {
            p.add("memoryLimit", Integer.toString(memoryLimit),
                    "memoryLimit must be 0 (none) or in [memory, 4194304] MiB");
        }
        if (!gpu.isEmpty() && !GPU.matcher(gpu).matches()) {
            p.add("gpu", quote(gpu), "gpu must be \"any\", \"TYPE\" or \"TYPE:N\" with N in 1..8");
        }
        for (String secret : secrets) {
            Names.problem("secret name", secret).ifPresent(m -> p.add("secrets", quote(secret), m));
        }
        for (String volume : volumes) {
            if (!VOLUME_ENTRY.matcher(volume).matches()) {
                p.add("volumes", quote(volume), "volumes entries must be \"name:/absolute/mount/path\"");
            }
        }
        for (String entry : env) {
            if (!ENV_ENTRY.matcher(entry).matches()) {
                p.add("env", quote(entry), "env entries must be \"KEY=VALUE\" with KEY matching [A-Za-z_][A-Za-z0-9_]*");
            }
        }
        return p.list;
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }

    /** Collects problems in the one format every message uses. */
    private static final class Problems {
        private final String className;
        private final List<String> list = new ArrayList<>();

        Problems(String className) {
            this.className = className;
        }

        void add(String attribute, String value, String message) {
            list.add(className + ": @Server(" + attribute + " = " + value + "): " + message);
        }

        void range(String attribute, int value, int min, int max) {
            if (value < min || value > max) {
                add(attribute, Integer.toString(value), attribute + " must be in " + min + ".." + max);
            }
        }
    }
}
