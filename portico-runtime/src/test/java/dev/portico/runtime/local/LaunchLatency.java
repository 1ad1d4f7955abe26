package dev.portico.runtime.local;

import ch.qos.logback.classic.Level;
import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.RunningContainer;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;

/**
 * Measures the local runtime's cold-start overhead in namespace mode (root on Linux), against the
 * same commands started plainly. Not a test: a program to rerun by hand.
 *
 * <p>Per launch it records (a) how long {@code launch()} takes, (b) from the call of
 * {@code launch()} until the user's command has been {@code exec}'d ({@code date +%s%N}, whose
 * own start-up is in the plain figure too), and (c) from the call of {@code launch()} until
 * {@code whenListening()} completes for {@code /usr/bin/python3 -m http.server}. The targets take
 * turns launch by launch (the order rotates), with a pause after each so that background work
 * (the network namespace pool's refill, the last container's teardown) is done, and the medians
 * are printed with the quartiles. Optionally one target is another build of this module (its
 * {@code target/classes}), loaded in a class loader of its own, for before/after figures.
 *
 * <pre>
 * cd /work/main &amp;&amp; ./mvnw -q -o -pl portico-runtime test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/portico-runtime.cp -Dmdep.includeScope=test
 * # optional baseline: another commit's build of this module
 * mkdir /tmp/portico-base &amp;&amp; git archive HEAD | tar -x -C /tmp/portico-base \
 *     &amp;&amp; (cd /tmp/portico-base &amp;&amp; ./mvnw -q -o -pl portico-runtime compile)
 * java -cp portico-runtime/target/test-classes:portico-runtime/target/classes:$(cat /tmp/portico-runtime.cp) \
 *     dev.portico.runtime.local.LaunchLatency [LAUNCHES [/tmp/portico-base/portico-runtime/target/classes]]
 * </pre>
 *
 * <p>Targets: {@code plain} (ProcessBuilder, polled every 0.2 ms), {@code current} (this build,
 * defaults: network pool, native init when it could be built), {@code no-pool} (this build, pool
 * disabled), {@code util-linux} (this build, pool disabled, the util-linux chain) and, when given,
 * {@code baseline}.
 */
public final class LaunchLatency {

    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final long SETTLE_MILLIS = 300;
    private static final int WARM_UP = 3;
    /**
     * The baseline's address pool: its classes have their own JVM-wide record of held address
     * blocks, so sharing this build's pool would make it try to lock a block file this JVM holds.
     */
    private static final String BASELINE_ADDRESS_POOL = "10.214.0.0/16";

    private LaunchLatency() {}

    /** One way of starting a command: a runtime, or plain processes. */
    private interface Target extends AutoCloseable {
        String name();

        /** Starts {@code date +%s%N}; returns {launch() nanos, launch-to-exec nanos}. */
        long[] exec(int n) throws Exception;

        /** Starts the HTTP server; returns {launch() nanos, launch-to-listening nanos}; stops it. */
        long[] serve(int n) throws Exception;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Path baselineClasses = args.length > 1 ? Path.of(args[1]) : null;
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.portico")).setLevel(Level.WARN);
        Path work = Files.createTempDirectory("portico-latency");
        List<Target> targets = new ArrayList<>();
        targets.add(new Plain(work.resolve("plain")));
        targets.add(new Current("current", work.resolve("current"), LocalRuntimeConfig.DEFAULT_NETWORK_POOL, true));
        targets.add(new Current("no-pool", work.resolve("no-pool"), 0, true));
        targets.add(new Current("util-linux", work.resolve("util-linux"), 0, false));
        if (baselineClasses != null) {
            targets.add(new Baseline(work.resolve("baseline"), baselineClasses));
        }
        Map<String, List<long[]>> results = new LinkedHashMap<>();
        targets.forEach(target -> results.put(target.name(), new ArrayList<>()));
        System.out.printf("load average before: %s", Files.readString(Path.of("/proc/loadavg")));
        try {
            for (int round = 0; round < WARM_UP + launches; round++) {
                List<Target> order = new ArrayList<>(targets);
                Collections.rotate(order, round);
                for (Target target : order) {
                    long[] exec = target.exec(round);
                    settle();
                    long[] serve = target.serve(round);
                    settle();
                    if (round >= WARM_UP) {
                        results.get(target.name()).add(new long[] {exec[0], exec[1], serve[0], serve[1]});
                    }
                }
            }
        } finally {
            targets.forEach(Target::close);
        }
        System.out.printf("load average after:  %s", Files.readString(Path.of("/proc/loadavg")));
        System.out.printf("%d launches per target; milliseconds, median [p25-p75]%n", launches);
        System.out.printf("%-11s %-24s %-24s %-24s %-24s%n", "target", "launch() (date)", "launch -> exec",
                "launch() (server)", "launch -> listening");
        results.forEach((name, samples) -> {
            StringBuilder line = new StringBuilder(String.format("%-11s", name));
            for (int column = 0; column < 4; column++) {
                int c = column;
                line.append(' ').append(String.format("%-24s", quartiles(samples.stream().mapToLong(s -> s[c]).toArray())));
            }
            System.out.println(line);
        });
    }

    private static void settle() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS));
    }

    private static String quartiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", at(sorted, 0.5), at(sorted, 0.25), at(sorted, 0.75));
    }

    private static double at(long[] sorted, double quantile) {
        double position = quantile * (sorted.length - 1);
        int low = (int) Math.floor(position);
        int high = (int) Math.ceil(position);
        return (sorted[low] + (sorted[high] - sorted[low]) * (position - low)) / 1e6;
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The epoch nanoseconds {@code date +%s%N} printed. */
    private static long printedNanos(String output) {
        return Long.parseLong(output.strip());
    }

    private static List<String> dateCommand() {
        return List.of("/bin/date", "+%s%N");
    }

    private static List<String> serverCommand(int port) {
        return List.of(PYTHON, "-m", "http.server", "--bind", "0.0.0.0", Integer.toString(port));
    }

    /** The commands started by a ProcessBuilder; readiness polled every 0.2 ms. */
    private static final class Plain implements Target {
        private final Path dir;

        Plain(Path dir) throws IOException {
            this.dir = Files.createDirectories(dir);
        }

        @Override
        public String name() {
            return "plain";
        }

        @Override
        public long[] exec(int n) throws Exception {
            long wall = epochNanos();
            long start = System.nanoTime();
            Process process = new ProcessBuilder(dateCommand()).redirectErrorStream(true).start();
            long launched = System.nanoTime() - start;
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return new long[] {launched, printedNanos(output) - wall};
        }

        @Override
        public long[] serve(int n) throws Exception {
            int port = 18000 + n;
            long start = System.nanoTime();
            Process process = new ProcessBuilder(serverCommand(port)).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.log").toFile()).start();
            long launched = System.nanoTime() - start;
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            long deadline = start + READY_TIMEOUT.toNanos();
            while (true) {
                try (Socket socket = new Socket()) {
                    socket.connect(address, 1000);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw new IllegalStateException("plain server did not listen", e);
                    }
                    LockSupport.parkNanos(200_000);
                }
            }
            long ready = System.nanoTime() - start;
            process.destroyForcibly().waitFor();
            return new long[] {launched, ready};
        }

        @Override
        public void close() {}
    }

    /** This build of the runtime. */
    private static final class Current implements Target {
        private final String name;
        private final Path dir;
        private final LocalRuntime runtime;

        Current(String name, Path dir, int pool, boolean nativeInit) {
            this.name = name;
            this.dir = dir;
            String previous = System.getProperty(NamespaceIsolation.NATIVE_INIT_PROPERTY);
            System.setProperty(NamespaceIsolation.NATIVE_INIT_PROPERTY, Boolean.toString(nativeInit));
            try {
                this.runtime = LocalRuntime.create(new LocalRuntimeConfig(dir, Isolation.NAMESPACE,
                        LocalRuntimeConfig.DEFAULT_ADDRESS_POOL).withNetworkPool(pool));
            } finally {
                if (previous == null) {
                    System.clearProperty(NamespaceIsolation.NATIVE_INIT_PROPERTY);
                } else {
                    System.setProperty(NamespaceIsolation.NATIVE_INIT_PROPERTY, previous);
                }
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long[] exec(int n) throws Exception {
            Path log = dir.resolve("date-" + n + ".log");
            long wall = epochNanos();
            long start = System.nanoTime();
            RunningContainer container = runtime.launch(new ContainerLaunch("date-" + n, dateCommand(), Map.of(), 8000, log));
            long launched = System.nanoTime() - start;
            container.whenExited().get(20, TimeUnit.SECONDS);
            return new long[] {launched, printedNanos(Files.readString(log)) - wall};
        }

        @Override
        public long[] serve(int n) throws Exception {
            long start = System.nanoTime();
            RunningContainer container = runtime.launch(new ContainerLaunch("web-" + n, serverCommand(8000), Map.of(),
                    8000, dir.resolve("web-" + n + ".log")));
            long launched = System.nanoTime() - start;
            AtomicLong readyAt = new AtomicLong();
            container.whenListening(READY_TIMEOUT).thenRun(() -> readyAt.set(System.nanoTime())).get();
            container.kill();
            container.whenExited().get(20, TimeUnit.SECONDS);
            return new long[] {launched, readyAt.get() - start};
        }

        @Override
        public void close() {
            runtime.close();
        }
    }

    /**
     * Another build of this module (a {@code target/classes} directory), in a class loader of its
     * own with slf4j and no logging provider, driven through its public API by reflection.
     */
    private static final class Baseline implements Target {
        private final Path dir;
        private final URLClassLoader loader;
        private final Object runtime;
        private final Constructor<?> launchConstructor;
        private final Method launch;

        Baseline(Path dir, Path classes) throws Exception {
            this.dir = dir;
            URL slf4j = LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
            this.loader = new URLClassLoader("baseline", new URL[] {classes.toUri().toURL(), slf4j},
                    ClassLoader.getPlatformClassLoader());
            Class<?> isolation = loader.loadClass("dev.portico.runtime.local.Isolation");
            Class<?> config = loader.loadClass("dev.portico.runtime.local.LocalRuntimeConfig");
            Class<?> runtimeClass = loader.loadClass("dev.portico.runtime.local.LocalRuntime");
            Class<?> launchClass = loader.loadClass("dev.portico.runtime.ContainerLaunch");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object namespace = Enum.valueOf((Class) isolation, "NAMESPACE");
            Object settings = config.getConstructor(Path.class, isolation, String.class)
                    .newInstance(dir, namespace, BASELINE_ADDRESS_POOL);
            this.runtime = runtimeClass.getMethod("create", config).invoke(null, settings);
            this.launchConstructor = launchClass.getConstructor(String.class, List.class, Map.class, int.class, Path.class);
            this.launch = runtimeClass.getMethod("launch", loader.loadClass("dev.portico.runtime.ContainerLaunch"));
        }

        private Object start(String id, List<String> command, Path log) throws Exception {
            return launch.invoke(runtime, launchConstructor.newInstance(id, command, Map.of(), 8000, log));
        }

        private static CompletableFuture<?> call(Object container, String method, Object... args) throws Exception {
            Class<?>[] types = Arrays.stream(args).map(a -> a instanceof Duration ? Duration.class : a.getClass())
                    .toArray(Class<?>[]::new);
            Method m = container.getClass().getMethod(method, types);
            m.setAccessible(true);
            return (CompletableFuture<?>) m.invoke(container, args);
        }

        @Override
        public String name() {
            return "baseline";
        }

        @Override
        public long[] exec(int n) throws Exception {
            Path log = dir.resolve("date-" + n + ".log");
            long wall = epochNanos();
            long start = System.nanoTime();
            Object container = start("date-" + n, dateCommand(), log);
            long launched = System.nanoTime() - start;
            call(container, "whenExited").get(20, TimeUnit.SECONDS);
            return new long[] {launched, printedNanos(Files.readString(log)) - wall};
        }

        @Override
        public long[] serve(int n) throws Exception {
            long start = System.nanoTime();
            Object container = start("web-" + n, serverCommand(8000), dir.resolve("web-" + n + ".log"));
            long launched = System.nanoTime() - start;
            AtomicLong readyAt = new AtomicLong();
            call(container, "whenListening", READY_TIMEOUT).thenRun(() -> readyAt.set(System.nanoTime())).get();
            Method kill = container.getClass().getMethod("kill");
            kill.setAccessible(true);
            kill.invoke(container);
            call(container, "whenExited").get(20, TimeUnit.SECONDS);
            return new long[] {launched, readyAt.get() - start};
        }

        @Override
        public void close() {
            try {
                runtime.getClass().getMethod("close").invoke(runtime);
                loader.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
