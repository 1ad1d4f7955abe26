package dev.portico.client;

/** A call to the control plane failed; the message says why (the API's own error text when it answered). */
public final class PorticoException extends RuntimeException {
    public PorticoException(String message) {
        super(message);
    }
}
