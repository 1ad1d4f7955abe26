package dev.portico.control.store;

/** The store could not read or write; the operation that needed it did not happen. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
