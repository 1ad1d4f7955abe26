package dev.portico.cli.e2e;

import dev.portico.client.ApiClient;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.ContainerInfo;
import dev.portico.api.DeployResult;
import dev.portico.api.ServerInfo;
import dev.portico.cli.up.Platform;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.local.Isolation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A whole platform in the test's JVM, as {@code portico up} runs it (real runtime, real proxy, real
 * SQLite file, real containers), on ephemeral ports with its own home. Talks to it the way users
 * do: the API with the admin credential, the proxy with a {@code Host} header.
 */
final class PlatformFixture implements AutoCloseable {

    private final Path home;
    private final Isolation isolation;
    private final List<Gpu> gpus;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private Platform platform;
    private ApiClient api;

    PlatformFixture(Path home, Isolation isolation, List<Gpu> gpus) {
        this.home = home;
        this.isolation = isolation;
        this.gpus = gpus;
        start();
    }

    PlatformFixture(Path home) {
        this(home, Isolation.AUTO, List.of());
    }

    void start() {
        platform = Platform.start(new Platform.Settings(home, isolation, "127.0.0.1", 0, 0, "localhost",
                "test-region", gpus));
        api = new ApiClient(URI.create(platform.credentials().url()), platform.credentials().token());
    }

    /** Stops the platform as Ctrl-C would, then starts it again on the same home. */
    void restart() {
        platform.close();
        start();
    }

    Platform platform() {
        return platform;
    }

    ApiClient api() {
        return api;
    }

    Path home() {
        return home;
    }

    DeployResult deploy(String app, Path jar) {
        return deploy(app, jar, "rolling");
    }

    DeployResult deploy(String app, Path jar, String strategy) {
        try {
            return api.post("/v1/deploy", Map.of("env", "main", "app", app, "strategy", strategy),
                    HttpRequest.BodyPublishers.ofFile(jar), new TypeReference<>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<ContainerInfo> containers(String app) {
        return api.get("/v1/containers", Map.of("env", "main", "app", app, "all", "true"), new TypeReference<>() {});
    }

    List<ServerInfo> servers(String app) {
        return api.get("/v1/servers", Map.of("env", "main", "app", app), new TypeReference<>() {});
    }

    /** A GET through the us-east proxy to {@code main--APP--SERVER}. */
    HttpResponse<String> get(String app, String server, String path) {
        return getVia("main--" + app + "--" + server + ".localhost", "us-east", path);
    }

    /** A GET through a region's proxy with the given {@code Host}. */
    HttpResponse<String> getVia(String host, String region, String path) {
        int port = platform.proxyAddress(region).getPort();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Host", host)
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (platform != null) {
            platform.close();
            platform = null;
        }
    }
}
