package dev.portico.examples;

import dev.portico.Enter;
import dev.portico.Server;

/**
 * The seed example: serves the container's root directory with Python's {@code http.server}.
 * Deployed by {@code portico up --example} as app {@code hello}.
 */
@Server(unauthenticated = true)
public class Hello {
    @Enter
    void startup() throws Exception {
        new ProcessBuilder("python3", "-m", "http.server", "-d", "/", "8000").inheritIO().start();
    }
}
