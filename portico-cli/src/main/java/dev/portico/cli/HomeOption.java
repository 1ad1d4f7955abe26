package dev.portico.cli;

import dev.portico.client.ApiClient;
import dev.portico.client.Home;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home} and {@code --json}, shared by the client commands. */
public final class HomeOption {

    @Option(names = "--home", description = "Portico home (default: $PORTICO_HOME, else ~/.portico).")
    Path home;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    ApiClient client() {
        return ApiClient.forHome(Home.resolve(home));
    }

    boolean json() {
        return json;
    }

    /** Prints {@code value} as JSON with {@code --json}, else runs {@code asText}. */
    void show(ApiClient client, Object value, Runnable asText) {
        if (json) {
            Output.json(client, value);
        } else {
            asText.run();
        }
    }
}
