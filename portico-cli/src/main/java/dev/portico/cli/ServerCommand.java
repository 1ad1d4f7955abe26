package dev.portico.cli;

import dev.portico.client.ApiClient;
import dev.portico.client.PorticoException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.ServerHandle;
import dev.portico.api.AutoscalerSettings;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ServerInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico server list | server url APP SERVER | server autoscaler APP SERVER [...]}. */
@Command(name = "server", description = "List servers, print a server's URL, change its autoscaler.",
        subcommands = {ServerCommand.ListServers.class, ServerCommand.Url.class, ServerCommand.Autoscaler.class})
final class ServerCommand {

    static List<ServerInfo> servers(ApiClient client, String env, String app) {
        Map<String, String> query = new HashMap<>();
        query.put("env", env);
        query.put("app", app);
        return client.get("/v1/servers", query, new TypeReference<>() {});
    }

    @Command(name = "list", description = "Servers of active versions, with their containers and autoscaling.")
    static final class ListServers implements Runnable {
        @Parameters(index = "0", arity = "0..1", paramLabel = "APP")
        String app;

        @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
        String env;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            List<ServerInfo> servers = servers(client, env, app);
            if (options.json()) {
                Output.json(client, servers);
                return;
            }
            Table table = new Table("APP", "SERVER", "VERSION", "READY", "STARTING", "DRAINING", "LOAD", "DESIRED",
                    "WHY", "SETTINGS", "URL");
            for (ServerInfo s : servers) {
                table.row(s.app(), s.name(), "v" + s.version(), s.ready(), s.starting(), s.draining(),
                        String.format("%.2f", s.load()), s.desired(), s.reason().isEmpty() ? null : s.reason(),
                        settings(s.settings()), s.url());
            }
            table.print(System.out);
        }

        static String settings(AutoscalerSettings s) {
            return "target=" + (s.targetConcurrency() > 0 ? s.targetConcurrency() : "-")
                    + " min=" + s.minContainers()
                    + " max=" + (s.maxContainers() < 0 ? "-" : s.maxContainers())
                    + " buffer=" + s.bufferContainers()
                    + " up=" + s.scaleupWindow() + "s down=" + s.scaledownWindow() + "s";
        }
    }

    @Command(name = "url", description = "Print the URL of a server.")
    static final class Url implements Runnable {
        @Parameters(index = "0", paramLabel = "APP")
        String app;

        @Parameters(index = "1", paramLabel = "SERVER")
        String server;

        @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
        String env;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            ServerInfo found = servers(client, env, app).stream()
                    .filter(s -> s.name().equals(server))
                    .findFirst()
                    .orElseThrow(() -> new PorticoException("no server " + server + " in app " + app + " (" + env + ")"));
            if (options.json()) {
                Output.json(client, Map.of("url", found.url()));
            } else {
                System.out.println(found.url());
            }
        }
    }

    @Command(name = "autoscaler", description = "Change any of a server's autoscaler settings until the next deploy;"
            + " prints the effective settings.")
    static final class Autoscaler implements Runnable {
        @Parameters(index = "0", paramLabel = "APP")
        String app;

        @Parameters(index = "1", paramLabel = "SERVER")
        String server;

        @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
        String env;

        @Option(names = "--target-concurrency", paramLabel = "X")
        Double targetConcurrency;

        @Option(names = "--min-containers", paramLabel = "N")
        Integer minContainers;

        @Option(names = "--max-containers", paramLabel = "N", description = "-1 for unbounded.")
        Integer maxContainers;

        @Option(names = "--buffer-containers", paramLabel = "N")
        Integer bufferContainers;

        @Option(names = "--scaleup-window", paramLabel = "S")
        Integer scaleupWindow;

        @Option(names = "--scaledown-window", paramLabel = "S")
        Integer scaledownWindow;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            AutoscalerSettings settings = new ServerHandle(client, env, app, server).updateAutoscaler(
                    new AutoscalerUpdate(targetConcurrency, minContainers, maxContainers, bufferContainers,
                            scaleupWindow, scaledownWindow));
            options.show(client, settings, () ->
                    System.out.println(app + "/" + server + ": " + ListServers.settings(settings)));
        }
    }
}
