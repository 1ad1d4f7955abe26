package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts container processes, always from one dedicated platform thread that lives as long as the
 * runtime.
 *
 * <p>Why one thread: every container command is prefixed with {@code setpriv --pdeathsig KILL}
 * (or, started with {@link #startGuarded}, asks for that itself), so the kernel SIGKILLs it when
 * its parent dies, which is what guarantees that no container outlives a JVM that crashed or was
 * SIGKILLed. But the kernel's notion of "parent" for {@code PR_SET_PDEATHSIG} is the
 * <em>thread</em> that forked the child, not the process: a
 * container started from a pooled or virtual thread (whose carrier may end) would be killed the
 * moment that thread exits. The spawn thread ends only in {@link #close()}, after every container
 * has been killed.
 */
final class ProcessLauncher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProcessLauncher.class);

    /**
     * Selects the GPUs a CUDA program sees: the launch's GPU devices, comma-separated; unset (also
     * when the JVM has it) when the launch has none, unless the launch's environment sets it.
     */
    static final String GPU_VARIABLE = "CUDA_VISIBLE_DEVICES";

    private final ExecutorService spawnThread;
    private final List<String> deathSignalPrefix;

    ProcessLauncher(String name) {
        this.spawnThread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name(name).daemon(true).factory());
        this.deathSignalPrefix = Executables.findTool("setpriv")
                .map(setpriv -> List.of(setpriv.toString(), "--pdeathsig", "KILL", "--"))
                .orElse(List.of());
    }

    /** Whether started processes die with this JVM ({@code setpriv} exists). */
    boolean killsWithJvm() {
        return !deathSignalPrefix.isEmpty();
    }

    /** Starts {@code command} with no environment of the isolation's own; see the other overload. */
    Process start(List<String> command, ContainerLaunch launch, int port) throws LaunchException {
        return start(command, launch, port, Map.of());
    }

    /**
     * Starts {@code command} (the container's command already wrapped by the isolation) with the
     * JVM's environment, then the launch's environment, {@code CUDA_VISIBLE_DEVICES} (see
     * {@link #GPU_VARIABLE}), the isolation's {@code extraEnvironment} and {@code PORT}, each
     * overriding the ones before; stdout and stderr are appended to the launch's log file. The
     * process's stdin is a pipe from the JVM ({@link Process#getOutputStream()}), which the caller
     * must close: the container then reads end-of-file.
     */
    Process start(List<String> command, ContainerLaunch launch, int port, Map<String, String> extraEnvironment)
            throws LaunchException {
        List<String> full = new ArrayList<>(deathSignalPrefix);
        full.addAll(command);
        return spawn(full, launch, port, extraEnvironment);
    }

    /**
     * Like {@link #start(List, ContainerLaunch, int)}, for a command that sets its own parent
     * death signal ({@code PR_SET_PDEATHSIG}) as its first step, such as portico-init: started
     * as is, without {@code setpriv}, from the same spawn thread.
     */
    Process startGuarded(List<String> command, ContainerLaunch launch, int port) throws LaunchException {
        return spawn(command, launch, port, Map.of());
    }

    private Process spawn(List<String> full, ContainerLaunch launch, int port, Map<String, String> extraEnvironment)
            throws LaunchException {
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        // The JVM's own GPU selection is not the container's: a container sees the devices it is given.
        environment.remove(GPU_VARIABLE);
        environment.putAll(launch.environment());
        List<String> gpus = launch.resources().gpuDevices();
        if (!gpus.isEmpty()) {
            environment.put(GPU_VARIABLE, String.join(",", gpus));
        }
        environment.putAll(extraEnvironment);
        environment.put("PORT", Integer.toString(port));
        Path logFile = launch.logFile().toAbsolutePath();
        try {
            Files.createDirectories(logFile.getParent());
        } catch (IOException e) {
            throw new LaunchException("cannot create the log directory of " + logFile, e);
        }
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        log.debug("start {}", String.join(" ", full));
        Process process;
        try {
            process = spawnThread.submit(builder::start).get();
        } catch (ExecutionException e) {
            throw new LaunchException("cannot start " + launch.command().getFirst() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while starting " + launch.id(), e);
        }
        return process;
    }

    /**
     * Fails when the launch's program cannot be found on its {@code PATH}: checked before any
     * resource is set up for it, because inside the isolation wrappers a missing program would
     * only show as an early exit.
     */
    static void requireProgram(ContainerLaunch launch) throws LaunchException {
        String program = launch.command().getFirst();
        String path = Optional.ofNullable(launch.environment().get("PATH")).orElse(System.getenv("PATH"));
        if (Executables.find(program, path).isEmpty()) {
            throw new LaunchException("command not found or not executable: " + program);
        }
    }

    /** Ends the spawn thread; call only after every process it started has exited. */
    @Override
    public void close() {
        spawnThread.shutdown();
        try {
            spawnThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
