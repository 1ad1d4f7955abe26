package dev.portico.cli;

import dev.portico.client.ApiClient;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.AppInfo;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico app list | app stop APP}. */
@Command(name = "app", description = "List or stop apps.",
        subcommands = {AppCommand.ListApps.class, AppCommand.StopApp.class})
final class AppCommand {

    @Command(name = "list", description = "List apps with their active version.")
    static final class ListApps implements Runnable {
        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            List<AppInfo> apps = client.get("/v1/apps", Map.of(), new TypeReference<>() {});
            if (options.json()) {
                Output.json(client, apps);
                return;
            }
            Table table = new Table("ENV", "APP", "ACTIVE", "STATE", "VERSIONS", "LAST DEPLOY");
            for (AppInfo app : apps) {
                AppInfo.Version last = app.versions().isEmpty() ? null : app.versions().getLast();
                String lastDeploy = last == null ? null : "v" + last.number() + " " + last.status().toLowerCase()
                        + (last.reason() == null ? "" : ": " + last.reason());
                table.row(app.environment(), app.name(), app.activeVersion() == null ? null : "v" + app.activeVersion(),
                        app.stopped() ? "stopped" : "running", app.versions().size(), lastDeploy);
            }
            table.print(System.out);
        }
    }

    @Command(name = "stop", description = "Stop an app: its containers drain and stop until the next deploy.")
    static final class StopApp implements Runnable {
        @Parameters(index = "0", paramLabel = "APP")
        String app;

        @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
        String env;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            AppInfo stopped = client.post("/v1/apps/stop", Map.of("env", env, "app", app), new TypeReference<>() {});
            options.show(client, stopped, () ->
                    System.out.println("Stopped " + stopped.name() + " in " + stopped.environment()));
        }
    }
}
