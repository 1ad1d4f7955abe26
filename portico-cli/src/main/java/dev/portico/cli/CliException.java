package dev.portico.cli;

/** A failure the CLI reports as one line on stderr, exiting with status 1. */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message);
    }
}
