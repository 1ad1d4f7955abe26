package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.ServerHandle;
import dev.portico.api.AppInfo;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ContainerState;
import dev.portico.api.Regions;
import dev.portico.api.ServerInfo;
import dev.portico.api.TokenInfo;
import dev.portico.client.ApiClient;
import dev.portico.client.Credentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portico up} as a real process: stopped with SIGTERM it leaves nothing behind; killed with
 * SIGKILL, its containers die with it and the next start serves the same apps again.
 */
class UpProcessTest {

    private static final Pattern PROXIES = Pattern.compile("us-east :(\\d+)");

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process process : started) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** A running {@code portico up} and the us-east proxy port it printed. */
    private record Up(Process process, int proxyPort) {}

    private Up up(Path home) throws IOException {
        return up(home, 0, 0);
    }

    private Up up(Path home, int apiPort, int requestedProxyPort) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.portico.cli.Main",
                "up", "--home", home.toString(), "--api-port", Integer.toString(apiPort),
                "--proxy-port", Integer.toString(requestedProxyPort))
                .redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("up.log").toFile()));
        Process process = builder.start();
        started.add(process);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        int proxyPort = -1;
        for (String line; (line = out.readLine()) != null; ) {
            Matcher matcher = PROXIES.matcher(line);
            if (matcher.find()) {
                proxyPort = Integer.parseInt(matcher.group(1));
            }
            if (line.startsWith("Press Ctrl-C")) {
                break;
            }
        }
        assertThat(proxyPort).as("portico up printed its proxies").isPositive();
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
        return new Up(process, proxyPort);
    }

    /**
     * Whether a process has ended. A zombie counts as ended: orphans are reaped by this host's PID 1,
     * which may take a while, but they run no code and hold nothing.
     */
    private static boolean gone(ProcessHandle process) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException noSuchProcess) {
            return true;
        }
    }

    private static int get(int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Host", "main--life--web.localhost").build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void killedUpTakesItsContainersWithItAndTheNextStartServesAgain() throws Exception {
        Path home = dir.resolve("home");
        Up first = up(home);
        Credentials credentials = Credentials.read(home);
        ApiClient api = new ApiClient(URI.create(credentials.url()), credentials.token());
        api.post("/v1/deploy", Map.of("app", "life"), HttpRequest.BodyPublishers.ofFile(
                        TestJars.build(dir, "life", Map.of("test.Web", Servers.idServer("Web",
                                "unauthenticated = true, minContainers = 1")))),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        await().atMost(Duration.ofSeconds(20)).until(() -> get(first.proxyPort(), "/") == 200);
        List<ProcessHandle> containers = first.process().descendants().toList();
        assertThat(containers).isNotEmpty();

        new ProcessBuilder("kill", "-KILL", Long.toString(first.process().pid())).start().waitFor();
        assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(containers).allMatch(UpProcessTest::gone));

        Up second = up(home);
        Credentials again = Credentials.read(home);
        ApiClient api2 = new ApiClient(URI.create(again.url()), again.token());
        await().atMost(Duration.ofSeconds(20)).until(() -> get(second.proxyPort(), "/") == 200);
        assertThat(api2.get("/v1/containers", Map.of("app", "life", "all", "true"),
                new com.fasterxml.jackson.core.type.TypeReference<List<dev.portico.api.ContainerInfo>>() {}))
                .anySatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.STOPPED))
                .anySatisfy(c -> assertThat(c.state()).isEqualTo(ContainerState.READY));

        List<ProcessHandle> secondContainers = second.process().descendants().toList();
        second.process().destroy();
        assertThat(second.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(secondContainers).allMatch(UpProcessTest::gone);
    }

    /**
     * {@code portico up} killed with SIGKILL under a steady load and started again on the same home
     * and ports: every acknowledged change (apps and their versions, a token, a secret, an
     * autoscaler override) is there, nothing of the old run is left, and serving resumes. Requests
     * sent while no platform runs fail (connection refused); the figures are printed.
     */
    @Test
    void afterSigkillEveryAcknowledgedChangeIsThereAndServingResumes() throws Exception {
        Path home = dir.resolve("home");
        int apiPort = freePorts(1);
        int proxyPort = freePorts(Regions.ROUTING.size());
        Up first = up(home, apiPort, proxyPort);
        Credentials credentials = Credentials.read(home);
        ApiClient api = new ApiClient(URI.create(credentials.url()), credentials.token());
        Path jar = TestJars.build(dir, "life", Map.of("test.Web", Servers.idServer("Web",
                "unauthenticated = true, minContainers = 1")));
        for (int i = 0; i < 2; i++) {
            api.post("/v1/deploy", Map.of("app", "life"), HttpRequest.BodyPublishers.ofFile(jar),
                    new TypeReference<Map<String, Object>>() {});
        }
        String tokenKey = (String) api.postJson("/v1/tokens", Map.of(), Map.of("environments", List.of("main")),
                new TypeReference<Map<String, Object>>() {}).get("key");
        api.postJson("/v1/secrets", Map.of("name", "db"), Map.of("values", Map.of("PASSWORD", "s3cret")),
                new TypeReference<Map<String, Object>>() {});
        new ServerHandle(api, "main", "life", "web").updateAutoscaler(AutoscalerUpdate.none().withMaxContainers(3));
        await().atMost(Duration.ofSeconds(20)).until(() -> get(proxyPort, "/") == 200);
        List<ProcessHandle> containers = first.process().descendants().toList();

        try (SteadyLoad load = new SteadyLoad(2, () -> proxyPort, "main--life--web.localhost", "/")) {
            load.awaitSuccesses(20, Duration.ofSeconds(20));
            long killed = System.nanoTime();
            new ProcessBuilder("kill", "-KILL", Long.toString(first.process().pid())).start().waitFor();
            assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(containers).allMatch(UpProcessTest::gone));

            Up second = up(home, apiPort, proxyPort);
            load.awaitSuccesses(20, Duration.ofSeconds(30));
            load.close();
            long recovered = load.outcomes().stream().filter(o -> o.ok() && o.startNanos() > killed)
                    .mapToLong(SteadyLoad.Outcome::endNanos).min().orElseThrow();
            System.out.printf("fault=up-sigkill %s, serving again %d ms after the kill%n", load.summary(),
                    (recovered - killed) / 1_000_000);
            assertThat(load.failures()).as("only while no platform ran").allSatisfy(f ->
                    assertThat(f.endNanos()).isBetween(killed, recovered));

            ApiClient again = new ApiClient(URI.create(Credentials.read(home).url()), Credentials.read(home).token());
            assertThat(again.get("/v1/apps", Map.of(), new TypeReference<List<AppInfo>>() {}))
                    .singleElement().satisfies(app -> {
                        assertThat(app.activeVersion()).isEqualTo(2);
                        assertThat(app.versions()).hasSize(2);
                    });
            assertThat(again.get("/v1/tokens", Map.of(), new TypeReference<List<TokenInfo>>() {}))
                    .singleElement().satisfies(t -> {
                        assertThat(t.key()).isEqualTo(tokenKey);
                        assertThat(t.environments()).containsExactly("main");
                    });
            assertThat(again.get("/v1/secrets", Map.of(), new TypeReference<Map<String, List<String>>>() {}))
                    .isEqualTo(Map.of("db", List.of("PASSWORD")));
            assertThat(again.get("/v1/servers", Map.of("app", "life"), new TypeReference<List<ServerInfo>>() {}))
                    .singleElement().satisfies(server -> assertThat(server.settings().maxContainers()).isEqualTo(3));

            second.process().destroy();
            assertThat(second.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The first of {@code count} consecutive free loopback ports. */
    private static int freePorts(int count) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(first);
                for (int i = 1; i < count; i++) {
                    sockets.add(new ServerSocket(first.getLocalPort() + i, 1, InetAddress.getLoopbackAddress()));
                }
                return first.getLocalPort();
            } catch (IOException taken) {
                // one of the next ports is in use: try another base
            } finally {
                for (ServerSocket socket : sockets) {
                    socket.close();
                }
            }
        }
        throw new IOException("no " + count + " consecutive free ports");
    }
}
