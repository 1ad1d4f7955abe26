package dev.portico.cli.up;

import dev.portico.client.Credentials;
import dev.portico.api.Regions;
import dev.portico.control.ControlPlane;
import dev.portico.control.UrlScheme;
import dev.portico.control.fleet.ContainerCommand;
import dev.portico.api.routing.Authenticator;
import dev.portico.proxy.ProxyConfig;
import dev.portico.proxy.ProxyServer;
import dev.portico.runtime.ContainerRuntime;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.local.Isolation;
import dev.portico.runtime.local.LocalRuntime;
import dev.portico.runtime.local.LocalRuntimeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code portico up} runs in one JVM: the local runtime, one proxy listener per routing
 * region, and the control plane with its API. The only place where all parts meet.
 *
 * <p>One platform per home at a time: a lock file in the home enforces it, and is released by the
 * kernel however the process ends.
 */
public final class Platform implements AutoCloseable {

    /**
     * Settings of an all-in-one platform.
     *
     * @param apiPort 0 picks a free port
     * @param proxyBasePort region i listens on base + i; 0 picks free ports
     */
    public record Settings(Path home, Isolation isolation, String bindHost, int apiPort,
                           int proxyBasePort, String domain, String computeRegion, List<Gpu> gpus) {

        /** Settings with no compute region and the GPUs {@code nvidia-smi} finds. */
        public Settings(Path home, Isolation isolation, String bindHost, int apiPort, int proxyBasePort, String domain) {
            this(home, isolation, bindHost, apiPort, proxyBasePort, domain, null, null);
        }
    }

    private final FileChannel lockChannel;
    private final ContainerRuntime runtime;
    private final ProxyServer proxy;
    private final ControlPlane control;
    private final Credentials credentials;
    private final UrlScheme urls;

    private Platform(FileChannel lockChannel, ContainerRuntime runtime, ProxyServer proxy, ControlPlane control,
                     Credentials credentials, UrlScheme urls) {
        this.lockChannel = lockChannel;
        this.runtime = runtime;
        this.proxy = proxy;
        this.control = control;
        this.credentials = credentials;
        this.urls = urls;
    }

    public static Platform start(Settings settings) {
        Path home = settings.home();
        FileChannel lockChannel = lockHome(home);
        ContainerRuntime runtime = null;
        ProxyServer proxy = null;
        try {
            runtime = LocalRuntime.create(new LocalRuntimeConfig(home.resolve("runtime"), settings.isolation(),
                    LocalRuntimeConfig.DEFAULT_ADDRESS_POOL, settings.computeRegion(), settings.gpus()));
            ProxyDataPlane dataPlane = new ProxyDataPlane();
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            // Heap and non-heap use of this JVM (proxy and control plane together), e.g. for bench/soak.py.
            new JvmMemoryMetrics().bindTo(metrics);
            proxy = ProxyServer.start(proxyConfig(settings), dataPlane::noReadyContainer, Authenticator.denyAll(),
                    metrics);
            dataPlane.attach(proxy);
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (String region : Regions.ROUTING) {
                ports.put(region, proxy.address(region).getPort());
            }
            UrlScheme urls = new UrlScheme(settings.domain(), ports);
            String token = Credentials.existingOrNewToken(home);
            ContainerCommand containerCommand = containerCommand();
            Thread.ofVirtual().name("aot-training").start(() -> containerCommand.trainAotCache(home.resolve("cache")));
            ControlPlane control = ControlPlane.start(new ControlPlane.Config(home,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.apiPort()), token,
                    containerCommand, urls, Clock.systemUTC(), metrics), runtime, dataPlane);
            dataPlane.attach(control);
            proxy.authenticator(control.tokens());
            Credentials credentials = new Credentials("http://127.0.0.1:" + control.apiAddress().getPort(), token);
            credentials.write(home);
            return new Platform(lockChannel, runtime, proxy, control, credentials, urls);
        } catch (RuntimeException e) {
            if (proxy != null) {
                proxy.close();
            }
            if (runtime != null) {
                runtime.close();
            }
            closeQuietly(lockChannel);
            throw e;
        }
    }

    public ControlPlane control() {
        return control;
    }

    public Credentials credentials() {
        return credentials;
    }

    public UrlScheme urls() {
        return urls;
    }

    public InetSocketAddress proxyAddress(String region) {
        return proxy.address(region);
    }

    public String describeRuntime() {
        return runtime.describe();
    }

    /** Stops containers (SIGTERM, 30 s, SIGKILL), then the proxies, then the runtime. */
    @Override
    public void close() {
        try {
            control.close();
        } finally {
            proxy.close();
            runtime.close();
            closeQuietly(lockChannel);
        }
    }

    private static ProxyConfig proxyConfig(Settings settings) {
        Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
        List<String> regions = Regions.ROUTING;
        for (int i = 0; i < regions.size(); i++) {
            int port = settings.proxyBasePort() == 0 ? 0 : settings.proxyBasePort() + i;
            listeners.put(regions.get(i), new InetSocketAddress(settings.bindHost(), port));
        }
        return ProxyConfig.of(listeners, 1);
    }

    /**
     * Containers run the SDK's entrypoint with this JVM's {@code java} launcher; the SDK is found
     * where the {@code @Server} annotation was loaded from (a jar in the distribution, a classes
     * directory in a build).
     */
    static ContainerCommand containerCommand() {
        Path java = Path.of(ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell this JVM's java launcher")));
        try {
            Path sdk = Path.of(dev.portico.Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new ContainerCommand(java, sdk);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the SDK", e);
        }
    }

    private static FileChannel lockHome(Path home) {
        try {
            Files.createDirectories(home);
            FileChannel channel = FileChannel.open(home.resolve("up.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("another `portico up` is running with home " + home);
            }
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + home + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The kernel releases the lock with the process anyway.
        }
    }
}
