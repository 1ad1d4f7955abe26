package dev.portico;

import dev.portico.client.ApiClient;
import dev.portico.client.Home;

/**
 * Entry point of the SDK's client side: handles on deployed servers.
 *
 * <pre>{@code
 * Portico.ServerHandle web = Portico.server("shop", "web");
 * String url = web.getUrl();
 * AutoscalerSettings now = web.updateAutoscaler(AutoscalerUpdate.none().withMinContainers(3));
 * }</pre>
 *
 * <p>The control plane is found as the CLI finds it: {@code PORTICO_URL} and the admin credential
 * in {@code $PORTICO_HOME/credentials} (default {@code ~/.portico}).
 */
public final class Portico {

    private Portico() {}

    /** A handle on a server of an app in the {@code main} environment. */
    public static ServerHandle server(String app, String server) {
        return server(app, server, "main");
    }

    /** A handle on a server of an app in an environment. */
    public static ServerHandle server(String app, String server, String environment) {
        return new ServerHandle(client(), environment, app, server);
    }

    private static ApiClient client() {
        return ApiClient.forHome(Home.resolve(null));
    }
}
