package dev.portico.control.fleet;

/** A container failed, or was stopped, before it became ready. */
public final class ContainerFailedException extends RuntimeException {
    private final String containerId;

    public ContainerFailedException(String containerId, String reason) {
        super(reason);
        this.containerId = containerId;
    }

    public String containerId() {
        return containerId;
    }
}
