package dev.portico.cli;

import dev.portico.client.ApiClient;
import dev.portico.client.PorticoException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico logs APP SERVER [--follow]}. */
@Command(name = "logs", description = "Print the logs of every container of a server, stopped ones too.")
final class LogsCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "SERVER")
    String server;

    @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines.")
    boolean follow;

    @Mixin
    HomeOption options;

    @Override
    public void run() {
        Map<String, String> query = new HashMap<>();
        query.put("env", env);
        query.put("app", app);
        query.put("server", server);
        query.put("follow", Boolean.toString(follow));
        ApiClient client = options.client();
        try (InputStream in = client.stream("/v1/logs", query)) {
            if (options.json()) {
                printJsonLines(client, in);
                return;
            }
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                System.out.write(buffer, 0, n);
                System.out.flush();
            }
        } catch (IOException e) {
            throw new PorticoException("reading logs failed: " + e.getMessage());
        }
    }

    /** One JSON object per line: {@code {"container": ID, "line": TEXT}}. */
    private static void printJsonLines(ApiClient client, InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null; ) {
            int close = line.indexOf("] ");
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("container", line.startsWith("[") && close > 0 ? line.substring(1, close) : null);
            entry.put("line", close > 0 ? line.substring(close + 2) : line);
            System.out.println(client.json().writeValueAsString(entry));
            System.out.flush();
        }
    }
}
