package dev.portico.control;

/** What a request names (an app, a server) does not exist. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
