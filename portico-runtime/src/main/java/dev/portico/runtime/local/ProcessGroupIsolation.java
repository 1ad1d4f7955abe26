package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.VolumeMount;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers without isolation: each is a process session of its own on loopback, with a
 * distinct {@code PORT} chosen by the runtime. Works without root and, as far as the JDK's
 * {@link ProcessHandle} allows, outside Linux.
 *
 * <p>Resources: when running as root on a host with cgroup controllers, each container also gets
 * cgroups with its limits ({@link ContainerCgroups}), which its first process joins before it
 * {@code exec}s the user's command:
 *
 * <pre>
 * sh -c JOIN     (enters the cgroups, execs)
 *   setsid COMMAND...
 * </pre>
 *
 * <p>Elsewhere limits are ignored. There is no mount namespace: each volume is passed as an
 * environment variable naming its host directory ({@link VolumeMount#environmentVariable()}).
 */
final class ProcessGroupIsolation implements IsolationDriver {

    private static final Logger log = LoggerFactory.getLogger(ProcessGroupIsolation.class);

    /**
     * Moves itself into the {@code $1} cgroups whose {@code cgroup.procs} files follow, then
     * {@code exec}s the rest; shell builtins only, paths as arguments.
     */
    private static final String JOIN = "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 125; shift; "
            + "n=$((n - 1)); done; exec \"$@\"";

    private final ProcessLauncher launcher;
    private final PidFiles pidFiles;
    private final LoopbackPorts ports = new LoopbackPorts();
    private final Optional<Path> setsid = Executables.findTool("setsid");
    private final Optional<Path> sh = Executables.findTool("sh");
    /** Present only when they carry limits. */
    private final Optional<ContainerCgroups> cgroups;

    ProcessGroupIsolation(ProcessLauncher launcher, PidFiles pidFiles, InstanceTag tag) {
        this.launcher = launcher;
        this.pidFiles = pidFiles;
        this.cgroups = sh.isPresent() && ProcFs.runningAsRoot() ? usable(ContainerCgroups.detect(tag)) : Optional.empty();
    }

    private static Optional<ContainerCgroups> usable(ContainerCgroups cgroups) {
        if (cgroups.limits().isPresent()) {
            return Optional.of(cgroups);
        }
        cgroups.close();
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "local (no isolation)";
    }

    @Override
    public boolean limitsResources() {
        return cgroups.isPresent();
    }

    @Override
    public LocalContainer launch(ContainerLaunch launch) throws LaunchException {
        String id = launch.id();
        Map<String, String> volumes = new LinkedHashMap<>();
        launch.mounts().forEach(mount -> volumes.put(mount.environmentVariable(), mount.hostDirectory().toString()));
        Optional<ContainerCgroup> cgroup;
        try {
            cgroup = cgroups.isPresent() ? Optional.of(cgroups.get().create(id, launch.resources())) : Optional.empty();
        } catch (IOException e) {
            throw new LaunchException("cannot create the cgroup of container " + id + ": " + e, e);
        }
        int port = ports.acquire();
        List<String> command = new ArrayList<>();
        cgroup.ifPresent(c -> {
            command.addAll(List.of(sh.orElseThrow().toString(), "-c", JOIN, "sh", Integer.toString(c.procsFiles().size())));
            c.procsFiles().forEach(file -> command.add(file.toString()));
        });
        setsid.ifPresent(path -> command.add(path.toString()));
        command.addAll(launch.command());
        Process process;
        try {
            process = launcher.start(command, launch, port, volumes);
        } catch (LaunchException e) {
            ports.release(port);
            cgroup.ifPresent(ContainerCgroup::remove);
            throw e;
        }
        try {
            process.getOutputStream().close();
            pidFiles.write(id, process.toHandle());
        } catch (IOException e) {
            process.destroyForcibly();
            process.onExit().join();
            ports.release(port);
            cgroup.ifPresent(ContainerCgroup::remove);
            throw new LaunchException("cannot record the pid of container " + id, e);
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        SessionProcesses processes = new SessionProcesses(process.toHandle(), setsid.isPresent(), cgroup, () -> {
            cgroup.ifPresent(ContainerCgroup::remove);
            pidFiles.delete(id);
            ports.release(port);
        });
        log.info("container {} started: pid {}, address {}:{}", id, process.pid(),
                address.getAddress().getHostAddress(), port);
        return new LocalContainer(id, address, process, processes);
    }

    /**
     * Kills and removes the cgroups that earlier instances with this tag left (their processes
     * recorded in pid files are ended by {@link PidFiles}).
     *
     * @return ids of the leftover containers found
     */
    @Override
    public Set<String> removeLeftovers(Set<String> live) {
        Set<String> found = new TreeSet<>();
        cgroups.ifPresent(c -> {
            for (String id : c.leftovers(live)) {
                found.add(id);
                c.of(id).remove();
            }
        });
        return found;
    }

    @Override
    public void close() {
        // Ports and pid files are released by each container on exit; nothing is held beyond them.
        cgroups.ifPresent(ContainerCgroups::close);
    }
}
