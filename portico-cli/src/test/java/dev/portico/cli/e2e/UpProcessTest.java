package dev.portico.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.api.ContainerState;
import dev.portico.client.ApiClient;
import dev.portico.client.Credentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.portico.cli.Main",
                "up", "--home", home.toString(), "--api-port", "0", "--proxy-port", "0")
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
}
