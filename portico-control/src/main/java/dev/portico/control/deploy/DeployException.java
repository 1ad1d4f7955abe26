package dev.portico.control.deploy;

/**
 * A deploy was refused or failed; the message says why in terms the user can act on. Nothing of
 * a refused deploy is kept, and a failed one leaves the previous version serving.
 */
public final class DeployException extends RuntimeException {
    public DeployException(String message) {
        super(message);
    }
}
