package dev.portico.cli;

import dev.portico.client.ApiClient;
import dev.portico.client.PorticoException;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.time.Instant;

/** Output helpers shared by the commands. */
final class Output {

    private Output() {}

    static void json(ApiClient client, Object value) {
        try {
            System.out.println(client.json().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new PorticoException("cannot print JSON: " + e.getMessage());
        }
    }

    /** A short age such as {@code 42s}, {@code 5m}, {@code 3h}, {@code 2d}. */
    static String age(Instant since) {
        long seconds = Math.max(0, Duration.between(since, Instant.now()).toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 7200) {
            return seconds / 60 + "m";
        }
        if (seconds < 172800) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }
}
