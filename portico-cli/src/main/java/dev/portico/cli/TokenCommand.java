package dev.portico.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.TokenInfo;
import dev.portico.client.ApiClient;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico token create [--env ENV ...] | token list | token revoke KEY}. */
@Command(name = "token", description = "Proxy tokens (Modal-Key / Modal-Secret) for authenticated servers.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

    @Command(name = "create", description = "Create a token; prints its key and its secret, the secret only this once.")
    static final class Create implements Runnable {
        @Option(names = "--env", paramLabel = "ENV",
                description = "Environment the token reaches under RBAC (repeatable; none: all environments).")
        List<String> environments = List.of();

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, Object> created = client.postJson("/v1/tokens", Map.of(),
                    Map.of("environments", environments), new TypeReference<>() {});
            if (options.json()) {
                Output.json(client, created);
                return;
            }
            System.out.println("Modal-Key:    " + created.get("key"));
            System.out.println("Modal-Secret: " + created.get("secret"));
            System.out.println("Keep the secret now: it is not stored and cannot be shown again.");
        }
    }

    @Command(name = "list", description = "List tokens (keys and scopes; never secrets).")
    static final class ListTokens implements Runnable {
        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            List<TokenInfo> tokens = client.get("/v1/tokens", Map.of(), new TypeReference<>() {});
            if (options.json()) {
                Output.json(client, tokens);
                return;
            }
            Table table = new Table("KEY", "ENVIRONMENTS", "AGE", "STATE");
            for (TokenInfo token : tokens) {
                table.row(token.key(), token.environments().isEmpty() ? "all" : String.join(",", token.environments()),
                        Output.age(token.createdAt()), token.revokedAt() == null ? "valid" : "revoked");
            }
            table.print(System.out);
        }
    }

    @Command(name = "revoke", description = "Revoke a token; proxies refuse it within a second.")
    static final class Revoke implements Runnable {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Mixin
        HomeOption options;

        @Override
        public void run() {
            ApiClient client = options.client();
            Map<String, String> revoked = client.post("/v1/tokens/revoke", Map.of("key", key), new TypeReference<>() {});
            options.show(client, revoked, () -> System.out.println("Revoked " + revoked.get("revoked")));
        }
    }
}
