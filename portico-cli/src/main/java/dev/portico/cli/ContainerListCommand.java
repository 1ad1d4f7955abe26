package dev.portico.cli;

import dev.portico.client.ApiClient;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.ContainerInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico container list [APP [SERVER]]}. */
@Command(name = "list", description = "Containers with their state, address, in-flight requests and age.")
final class ContainerListCommand implements Runnable {

    @Command(name = "container", description = "Inspect containers.", subcommands = ContainerListCommand.class)
    static final class Group {
    }

    @Parameters(index = "0", arity = "0..1", paramLabel = "APP")
    String app;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SERVER")
    String server;

    @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--all", description = "Include stopped and failed containers.")
    boolean all;

    @Mixin
    HomeOption options;

    @Override
    public void run() {
        Map<String, String> query = new HashMap<>();
        query.put("env", env);
        query.put("app", app);
        query.put("server", server);
        query.put("all", Boolean.toString(all));
        ApiClient client = options.client();
        List<ContainerInfo> containers = client.get("/v1/containers", query, new TypeReference<>() {});
        if (options.json()) {
            Output.json(client, containers);
            return;
        }
        Table table = new Table("ID", "APP", "SERVER", "VERSION", "STATE", "ADDRESS", "IN-FLIGHT", "AGE", "REASON",
                "RESTARTS", "LAST FAILURE");
        for (ContainerInfo c : containers) {
            table.row(c.id(), c.app(), c.server(), "v" + c.version(), c.state(), c.address(), c.inFlight(),
                    Output.age(c.createdAt()), c.reason(), c.restarts(), c.lastFailure());
        }
        table.print(System.out);
    }
}
