package dev.portico.api;

import java.util.List;

/** What a successful deploy answers: the new version and the URL of each server. */
public record DeployResult(String environment, String app, int version, List<Server> servers) {

    public DeployResult {
        servers = List.copyOf(servers);
    }

    /** One deployed server. */
    public record Server(String name, String className, String url) {}
}
