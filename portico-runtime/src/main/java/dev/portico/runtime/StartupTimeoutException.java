package dev.portico.runtime;

import java.time.Duration;

/** The container's port did not accept connections within its startup timeout. */
public final class StartupTimeoutException extends RuntimeException {
    public StartupTimeoutException(Duration timeout) {
        super("not listening after startup timeout of " + timeout.toSeconds() + " s");
    }
}
