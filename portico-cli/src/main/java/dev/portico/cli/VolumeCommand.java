package dev.portico.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.client.ApiClient;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code portico volume create NAME | volume list | volume delete NAME}. */
@Command(name = "volume", description = "Named volumes, shared by a server's containers, kept across redeploys.",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Delete.class})
final class VolumeCommand {

    @Command(name = "create", description = "Create a volume.")
    static final class Create implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, String> created = client.post("/v1/volumes", Map.of("name", name), new TypeReference<>() {});
            options.show(client, created, () -> System.out.println("Created volume " + created.get("name")));
        }
    }

    @Command(name = "list", description = "List volumes.")
    static final class ListVolumes implements Runnable {
        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            List<String> volumes = client.get("/v1/volumes", Map.of(), new TypeReference<>() {});
            options.show(client, volumes, () -> volumes.forEach(System.out::println));
        }
    }

    @Command(name = "delete", description = "Delete a volume and its files (refused while a server mounts it).")
    static final class Delete implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, String> deleted = client.post("/v1/volumes/delete", Map.of("name", name), new TypeReference<>() {});
            options.show(client, deleted, () ->
                    System.out.println("Deleted volume " + deleted.get("deleted")));
        }
    }
}
