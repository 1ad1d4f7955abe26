package dev.portico.client;

import java.nio.file.Path;

/** Where Portico keeps its state: {@code --home}, else {@code $PORTICO_HOME}, else {@code ~/.portico}. */
public final class Home {

    private Home() {}

    public static Path resolve(Path option) {
        if (option != null) {
            return option.toAbsolutePath();
        }
        String env = System.getenv("PORTICO_HOME");
        if (env != null && !env.isEmpty()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".portico");
    }
}
