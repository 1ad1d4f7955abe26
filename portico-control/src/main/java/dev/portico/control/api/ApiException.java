package dev.portico.control.api;

/** A request the API refuses, with the HTTP status and a message for the user. */
final class ApiException extends RuntimeException {
    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
