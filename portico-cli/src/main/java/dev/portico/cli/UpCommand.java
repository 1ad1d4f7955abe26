package dev.portico.cli;

import dev.portico.client.Credentials;
import dev.portico.client.Home;
import dev.portico.client.PorticoException;
import dev.portico.api.DeployResult;
import dev.portico.api.Regions;
import dev.portico.cli.up.Platform;
import dev.portico.control.deploy.DeployException;
import dev.portico.control.deploy.Deployer;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.local.Isolation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code portico up}: control plane, proxies and local runtime in this JVM, until Ctrl-C or SIGTERM. */
@Command(name = "up", description = "Run the whole platform in this process (SQLite state, local runtime).")
final class UpCommand implements Runnable {

    @Option(names = "--isolation", defaultValue = "auto",
            description = "auto (namespaces when root on Linux), namespace or none. Default: ${DEFAULT-VALUE}.")
    String isolation;

    @Option(names = "--home", description = "State directory (default: $PORTICO_HOME, else ~/.portico).")
    Path home;

    @Option(names = "--example", description = "Also deploy the bundled example as app 'hello'.")
    boolean example;

    @Option(names = "--api-port", defaultValue = "7070", description = "API port on 127.0.0.1 (0: any free port).")
    int apiPort;

    @Option(names = "--proxy-port", defaultValue = "7080",
            description = "Port of the us-east proxy; the other regions take the next ones (0: any free ports).")
    int proxyPort;

    @Option(names = "--proxy-bind", defaultValue = "127.0.0.1", description = "Address the proxies listen on.")
    String proxyBind;

    @Option(names = "--domain", defaultValue = "localhost", description = "Domain of server URLs.")
    String domain;

    @Option(names = "--compute-region", description = "Compute region of this node (servers with another"
            + " computeRegion stay pending).")
    String computeRegion;

    @Option(names = "--gpus", split = ",", paramLabel = "INDEX:MODEL",
            description = "GPU inventory, such as 0:H100,1:H100 (default: what nvidia-smi -L lists).")
    List<String> gpus;

    @Override
    public void run() {
        Path resolvedHome = Home.resolve(home);
        Isolation mode = switch (isolation) {
            case "auto" -> Isolation.AUTO;
            case "namespace" -> Isolation.NAMESPACE;
            case "none" -> Isolation.NONE;
            default -> throw new PorticoException("--isolation must be auto, namespace or none, not " + isolation);
        };
        Platform platform = Platform.start(new Platform.Settings(resolvedHome, mode, proxyBind, apiPort, proxyPort,
                domain, computeRegion, gpus == null ? null : gpus.stream().map(UpCommand::gpu).toList()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("portico: stopping containers...");
            platform.close();
            stopped.countDown();
        }, "portico-shutdown"));

        System.out.println("Portico is up: " + platform.describeRuntime());
        System.out.println("  API      " + platform.credentials().url() + "  (credential: "
                + resolvedHome.resolve(Credentials.FILE) + ")");
        StringBuilder proxies = new StringBuilder("  proxies ");
        for (String region : Regions.ROUTING) {
            proxies.append(' ').append(region).append(" :").append(platform.proxyAddress(region).getPort());
        }
        System.out.println(proxies);
        System.out.println("  home     " + resolvedHome);
        if (example) {
            deployExample(platform);
        }
        System.out.println("Press Ctrl-C to stop.");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deployExample(Platform platform) {
        try {
            Path upload = Files.createTempFile("portico-example-", ".jar");
            Files.copy(exampleJar(), upload, StandardCopyOption.REPLACE_EXISTING);
            DeployResult result = platform.control().deployer().deploy("main", "hello", upload, Deployer.Strategy.ROLLING);
            System.out.println("Deployed the example as app 'hello', version " + result.version() + ":");
            for (DeployResult.Server server : result.servers()) {
                System.out.println("  " + server.name() + "  " + server.url());
            }
            System.out.println("Try: curl " + result.servers().getFirst().url() + "/");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled example: " + e.getMessage(), e);
        } catch (DeployException e) {
            throw new PorticoException("deploying the example failed: " + e.getMessage());
        }
    }

    private static Gpu gpu(String entry) {
        int colon = entry.indexOf(':');
        if (colon <= 0 || colon == entry.length() - 1) {
            throw new IllegalArgumentException("--gpus entries are INDEX:MODEL, such as 0:H100, not " + entry);
        }
        return new Gpu(entry.substring(0, colon), entry.substring(colon + 1));
    }

    /** {@code examples/hello.jar} of the distribution, or {@code -Dportico.example.jar}. */
    static Path exampleJar() {
        String override = System.getProperty("portico.example.jar");
        if (override != null) {
            return Path.of(override);
        }
        try {
            Path lib = Path.of(UpCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
            return lib.resolveSibling("examples").resolve("hello.jar");
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the distribution", e);
        }
    }
}
