package dev.portico.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.client.ApiClient;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code portico env create NAME | env list}. */
@Command(name = "env", description = "Create or list environments.",
        subcommands = {EnvCommand.Create.class, EnvCommand.ListEnvironments.class})
final class EnvCommand {

    @Command(name = "create", description = "Create an environment.")
    static final class Create implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, String> created = client.post("/v1/environments", Map.of("name", name), new TypeReference<>() {});
            options.show(client, created, () ->
                    System.out.println("Created environment " + created.get("name")));
        }
    }

    @Command(name = "list", description = "List environments.")
    static final class ListEnvironments implements Runnable {
        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            List<String> environments = client.get("/v1/environments", Map.of(), new TypeReference<>() {});
            options.show(client, environments, () -> environments.forEach(System.out::println));
        }
    }
}
