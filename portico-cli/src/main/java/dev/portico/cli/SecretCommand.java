package dev.portico.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.client.ApiClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code portico secret create NAME KEY=VALUE... | secret list | secret delete NAME}. */
@Command(name = "secret", description = "Named secrets, encrypted at rest, given to containers as environment variables.",
        subcommands = {SecretCommand.Create.class, SecretCommand.ListSecrets.class, SecretCommand.Delete.class})
final class SecretCommand {

    @Command(name = "create", description = "Create or replace a secret.")
    static final class Create implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE")
        List<String> pairs;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            Map<String, String> values = new LinkedHashMap<>();
            for (String pair : pairs) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected KEY=VALUE, got an argument without '=' or key");
                }
                values.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            ApiClient client = options.client();
            Map<String, String> created = client.postJson("/v1/secrets", Map.of("name", name),
                    Map.of("values", values), new TypeReference<>() {});
            options.show(client, created, () ->
                    System.out.println("Stored secret " + created.get("name") + " (" + values.size() + " keys)"));
        }
    }

    @Command(name = "list", description = "List secrets and their keys (never values).")
    static final class ListSecrets implements Runnable {
        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, List<String>> secrets = client.get("/v1/secrets", Map.of(), new TypeReference<>() {});
            if (options.json()) {
                Output.json(client, secrets);
                return;
            }
            Table table = new Table("NAME", "KEYS");
            secrets.forEach((name, keys) -> table.row(name, String.join(",", keys)));
            table.print(System.out);
        }
    }

    @Command(name = "delete", description = "Delete a secret.")
    static final class Delete implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, String> deleted = client.post("/v1/secrets/delete", Map.of("name", name), new TypeReference<>() {});
            options.show(client, deleted, () ->
                    System.out.println("Deleted secret " + deleted.get("deleted")));
        }
    }
}
