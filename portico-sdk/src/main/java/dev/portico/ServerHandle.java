package dev.portico;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.AutoscalerSettings;
import dev.portico.api.AutoscalerUpdate;
import dev.portico.api.ServerInfo;
import dev.portico.client.ApiClient;
import dev.portico.client.PorticoException;
import java.util.List;
import java.util.Map;

/**
 * A deployed server, by name (the seed's {@code modal.Server.from_name}). Each call asks the
 * control plane, so a handle stays valid across deploys.
 */
public final class ServerHandle {

    private final ApiClient client;
    private final String environment;
    private final String app;
    private final String server;

    /** Usually obtained from {@link Portico#server}. */
    public ServerHandle(ApiClient client, String environment, String app, String server) {
        this.client = client;
        this.environment = environment;
        this.app = app;
        this.server = server;
    }

    /** The server's URL on its routing region's proxy. */
    public String getUrl() {
        List<ServerInfo> servers = client.get("/v1/servers", Map.of("env", environment, "app", app),
                new TypeReference<>() {});
        return servers.stream()
                .filter(s -> s.name().equals(server))
                .findFirst()
                .orElseThrow(() -> new PorticoException("no deployed server " + server + " in app " + app
                        + " (environment " + environment + ")"))
                .url();
    }

    /**
     * Changes any subset of the six autoscaler settings until the app's next deploy; the others
     * keep their current values.
     *
     * @return the full effective settings
     */
    public AutoscalerSettings updateAutoscaler(AutoscalerUpdate update) {
        return client.postJson("/v1/servers/autoscaler", Map.of("env", environment, "app", app, "server", server),
                update, new TypeReference<>() {});
    }
}
