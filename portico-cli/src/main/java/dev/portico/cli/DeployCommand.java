package dev.portico.cli;

import dev.portico.client.ApiClient;
import dev.portico.client.PorticoException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.portico.api.DeployResult;
import java.io.FileNotFoundException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code portico deploy FILE.jar --name APP [--env ENV] [--strategy rolling|recreate]}. */
@Command(name = "deploy", description = "Deploy a jar of @Server classes as a new version of an app.")
final class DeployCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "FILE.jar", description = "The jar to deploy.")
    Path jar;

    @Option(names = "--name", required = true, description = "App name.")
    String name;

    @Option(names = "--env", defaultValue = "main", description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--strategy", defaultValue = "rolling", description = "rolling (default) or recreate.")
    String strategy;

    @Mixin
    HomeOption options;

    @Override
    public void run() {
        if (!Files.isRegularFile(jar)) {
            throw new PorticoException("no such file: " + jar);
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("env", env);
        query.put("app", name);
        query.put("strategy", strategy);
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(jar);
        } catch (FileNotFoundException e) {
            throw new PorticoException("cannot read " + jar + ": " + e.getMessage());
        }
        ApiClient client = options.client();
        DeployResult result = client.post("/v1/deploy", query, body, new TypeReference<>() {});
        if (options.json()) {
            Output.json(client, result);
            return;
        }
        System.out.println("Deployed " + result.app() + " version " + result.version() + " to " + result.environment() + ":");
        for (DeployResult.Server server : result.servers()) {
            System.out.println("  " + server.name() + "  " + server.url());
        }
    }
}
