package dev.portico.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.client.ApiClient;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code portico rbac enable|disable}. */
@Command(name = "rbac", description = "With RBAC on, a token reaches only the environments it is scoped to (else 403).")
final class RbacCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "enable|disable")
    String action;

    @Mixin
    HomeOption options;

    @Override
    public void run() {
        boolean enable = switch (action) {
            case "enable" -> true;
            case "disable" -> false;
            default -> throw new IllegalArgumentException("rbac takes enable or disable, not " + action);
        };
        ApiClient client = options.client();
        Map<String, Boolean> state = client.post("/v1/rbac", Map.of("enabled", Boolean.toString(enable)),
                new TypeReference<>() {});
        options.show(client, state, () ->
                System.out.println("RBAC " + (state.get("enabled") ? "enabled" : "disabled")));
    }
}
