package dev.portico.runtime;

/** The container's process exited before its port accepted connections. */
public final class ContainerExitedException extends RuntimeException {
    private final ContainerExit exit;

    public ContainerExitedException(ContainerExit exit) {
        super(exit.describe() + " before listening");
        this.exit = exit;
    }

    public ContainerExit exit() {
        return exit;
    }
}
