package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers without isolation: each is a process session of its own on loopback, with a
 * distinct {@code PORT} chosen by the runtime. Works without root and, as far as the JDK's
 * {@link ProcessHandle} allows, outside Linux.
 */
final class ProcessGroupIsolation implements IsolationDriver {

    private static final Logger log = LoggerFactory.getLogger(ProcessGroupIsolation.class);

    private final ProcessLauncher launcher;
    private final PidFiles pidFiles;
    private final LoopbackPorts ports = new LoopbackPorts();
    private final Optional<Path> setsid = Executables.findTool("setsid");

    ProcessGroupIsolation(ProcessLauncher launcher, PidFiles pidFiles) {
        this.launcher = launcher;
        this.pidFiles = pidFiles;
    }

    @Override
    public String describe() {
        return "local (no isolation)";
    }

    @Override
    public LocalContainer launch(ContainerLaunch launch) throws LaunchException {
        int port = ports.acquire();
        List<String> command = new ArrayList<>();
        setsid.ifPresent(path -> command.add(path.toString()));
        command.addAll(launch.command());
        Process process;
        try {
            process = launcher.start(command, launch, port);
        } catch (LaunchException e) {
            ports.release(port);
            throw e;
        }
        try {
            process.getOutputStream().close();
            pidFiles.write(launch.id(), process.toHandle());
        } catch (IOException e) {
            process.destroyForcibly();
            process.onExit().join();
            ports.release(port);
            throw new LaunchException("cannot record the pid of container " + launch.id(), e);
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        SessionProcesses processes = new SessionProcesses(process.toHandle(), setsid.isPresent(), () -> {
            pidFiles.delete(launch.id());
            ports.release(port);
        });
        log.info("container {} started: pid {}, address {}:{}", launch.id(), process.pid(),
                address.getAddress().getHostAddress(), port);
        return new LocalContainer(launch.id(), address, process, processes);
    }

    @Override
    public void close() {
        // Ports and pid files are released by each container on exit; nothing is held beyond them.
    }
}
