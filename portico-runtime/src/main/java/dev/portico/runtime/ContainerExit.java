package dev.portico.runtime;

/**
 * How a container ended.
 *
 * @param exitCode the first process's exit status (128 + signal number when killed by a signal)
 * @param outOfMemory true when the kernel killed it for exceeding its memory limit
 */
public record ContainerExit(int exitCode, boolean outOfMemory) {

    /** A human-readable reason, such as {@code "exited with status 1"}. */
    public String describe() {
        if (outOfMemory) {
            return "out of memory";
        }
        if (exitCode > 128 && exitCode < 128 + 65) {
            return "killed by signal " + (exitCode - 128);
        }
        return "exited with status " + exitCode;
    }
}
