package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.VolumeMount;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers with their own network, PID and mount namespaces and a cgroup (root on Linux).
 *
 * <p>A container's command runs as:
 *
 * <pre>
 * setpriv --pdeathsig KILL --                      (ProcessLauncher: dies with the JVM's spawn thread)
 *   sh -c GATE                                     (enters the cgroups, waits for the network, execs)
 *   nsenter --net=/var/run/netns/NAME              (enters the network namespace)
 *   unshare --pid --mount --fork --kill-child --mount-proc --propagation private
 *   [sh -c MOUNTS]                                 (only with volumes: bind-mounts them, execs)
 *   setsid COMMAND...                              (PID 1 of its own PID namespace, own session)
 * </pre>
 *
 * <p>Resources: the container's cgroups carry its limits ({@link ContainerCgroups}) before its
 * first process joins them, and the GPU devices it is given reach it as
 * {@code CUDA_VISIBLE_DEVICES} ({@link ProcessLauncher}). Volumes are bind-mounted by the init
 * itself, inside its new mount namespace, before it {@code exec}s the user's command; the mount
 * namespace's propagation is private, so nothing of them is seen outside the container, except
 * the empty mount point directories ({@link MountPoints}).
 *
 * <p>Everything up to {@code unshare} is one process (each step {@code exec}s the next), the one
 * the JVM started. {@code unshare} forks the user's command as the init of a new PID namespace and
 * waits for it, exiting with its status. This chain is what guarantees "no orphans": when the init
 * exits, the kernel kills every other process in its namespace; {@code --kill-child} kills the init
 * if {@code unshare} dies; {@code --pdeathsig} kills {@code unshare} if the JVM dies, even by
 * SIGKILL. What a crash leaves behind is only names: namespace files, veth pairs and cgroup
 * directories, which {@link #removeLeftovers} clears, and the route of its address block, which
 * the next runtime that claims the block or closes takes over or removes ({@link AddressPool}).
 *
 * <p>Exit status: {@code unshare} reports the init's exit status, and re-raises a signal that
 * killed it, so the JVM sees 128 + signal. util-linux 2.38 cannot re-raise SIGKILL
 * ({@code signal(SIGKILL)} fails) and exits with 1 instead, but the runtime's own kills go
 * through the cgroup, which kills {@code unshare} too, and then the JVM sees 137 directly.
 */
final class NamespaceIsolation implements IsolationDriver {

    private static final Logger log = LoggerFactory.getLogger(NamespaceIsolation.class);
    private static final Path ADDRESS_LOCK_DIR = Path.of("/run/portico/address-blocks");
    private static final long INIT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * The chain's first step, run by {@code sh}: moves itself into the {@code $1} cgroups whose
     * {@code cgroup.procs} files follow, waits for a line on stdin and {@code exec}s the rest of
     * the chain. Only shell builtins run before the {@code exec}; the paths are arguments, never
     * interpolated into the script.
     */
    private static final String GATE = "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 125; shift; "
            + "n=$((n - 1)); done; read -r go && exec \"$@\"";

    /**
     * The step that bind-mounts volumes, run by {@code sh} as the container's init in its new
     * mount namespace: {@code $1} is {@code mount}, {@code $2} the number of (host directory,
     * mount point) pairs that follow; then it {@code exec}s the rest.
     */
    private static final String MOUNTS = "m=$1; n=$2; shift 2; while [ \"$n\" -gt 0 ]; do "
            + "\"$m\" -n --bind -- \"$1\" \"$2\" || { echo \"portico: cannot mount $1 at $2\" >&2; exit 125; }; "
            + "shift 2; n=$((n - 1)); done; exec \"$@\"";

    /** Absolute paths of the programs the chain is built of. */
    record Tools(Path ip, Path sh, Path nsenter, Path unshare, Path setsid, Path mount) {}

    private final Tools tools;
    private final ProcessLauncher launcher;
    private final NetworkNamespaces namespaces;
    private final AddressPool addressPool;
    private final ContainerCgroups cgroups;
    private final MountPoints mountPoints = new MountPoints();
    private final Set<String> interfacesInUse = ConcurrentHashMap.newKeySet();

    NamespaceIsolation(Tools tools, ProcessLauncher launcher, InstanceTag tag, Ipv4Block pool) {
        this.tools = tools;
        this.launcher = launcher;
        this.namespaces = new NetworkNamespaces(tools.ip(), tag);
        this.addressPool = new AddressPool(pool, ADDRESS_LOCK_DIR, tools.ip());
        this.cgroups = ContainerCgroups.detect(tag);
        if (!cgroups.present()) {
            log.info("containers are killed through their PID namespace");
        }
    }

    /**
     * Checks that namespace isolation works here: Linux, root, the tools, and a trial
     * {@code unshare} of the namespaces the runtime uses (~10 ms).
     *
     * @throws IllegalStateException saying what is missing
     */
    static Tools detect(ProcessLauncher launcher) {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new IllegalStateException("namespace isolation needs Linux");
        }
        if (!ProcFs.runningAsRoot()) {
            throw new IllegalStateException("namespace isolation needs root");
        }
        if (!launcher.killsWithJvm()) {
            throw new IllegalStateException("namespace isolation needs setpriv (util-linux)");
        }
        if (!Files.exists(Path.of("/proc/thread-self/children"))) {
            throw new IllegalStateException("namespace isolation needs /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)");
        }
        Tools tools = new Tools(tool("ip"), tool("sh"), tool("nsenter"), tool("unshare"), tool("setsid"), tool("mount"));
        try {
            HostCommand.run(List.of(tools.unshare().toString(), "--net", "--pid", "--mount", "--fork", "--kill-child",
                    "--mount-proc", "true"), "");
        } catch (IOException e) {
            throw new IllegalStateException("namespaces do not work here: " + e.getMessage(), e);
        }
        return tools;
    }

    private static Path tool(String name) {
        return Executables.findTool(name)
                .orElseThrow(() -> new IllegalStateException("namespace isolation needs " + name + " on the PATH"));
    }

    @Override
    public String describe() {
        return "local (namespace isolation)";
    }

    @Override
    public boolean limitsResources() {
        return cgroups.limits().isPresent();
    }

    /**
     * Sets up the container's cgroup, network and processes.
     *
     * <p>Why the gate: creating the namespace and veth pair takes two {@code ip} processes, and
     * starting the chain takes half a dozen {@code exec}s; on small VMs each costs milliseconds.
     * They only depend on each other at {@code nsenter}, so the chain is started at once, moves
     * itself into its cgroup and waits on stdin while the network is set up in parallel; the JVM
     * then writes the line that lets it go on, and closes stdin (the container reads end-of-file).
     * If the network cannot be set up, the waiting chain is killed before any user code ran.
     */
    @Override
    public LocalContainer launch(ContainerLaunch launch) throws LaunchException {
        String id = launch.id();
        for (VolumeMount mount : launch.mounts()) {
            if (!Files.isDirectory(mount.hostDirectory())) {
                throw new LaunchException("volume directory " + mount.hostDirectory() + " of container " + id
                        + " does not exist");
            }
        }
        List<Path> mountPoints;
        try {
            mountPoints = this.mountPoints.acquire(launch.mounts().stream().map(VolumeMount::containerPath).toList());
        } catch (IOException e) {
            throw new LaunchException("cannot create the mount points of container " + id + ": " + e.getMessage(), e);
        }
        AddressPool.Subnet subnet;
        try {
            subnet = addressPool.acquire();
        } catch (LaunchException | RuntimeException e) {
            this.mountPoints.release(mountPoints);
            throw e;
        }
        String namespace = namespaces.namespaceName(id);
        String hostInterface = namespaces.hostInterface(subnet);
        interfacesInUse.add(hostInterface);
        Runnable releaseHeld = () -> {
            releaseNetwork(namespace, hostInterface, subnet);
            this.mountPoints.release(mountPoints);
        };
        ContainerCgroup cgroup = null;
        try {
            if (cgroups.present()) {
                cgroup = cgroups.create(id, launch.resources());
            }
        } catch (IOException e) {
            releaseHeld.run();
            throw new LaunchException("cannot create the cgroup of container " + id + ": " + e, e);
        }
        CompletableFuture<Void> network = new CompletableFuture<>();
        Thread.ofVirtual().name("portico-netns-" + id).start(() -> {
            try {
                namespaces.create(namespace, hostInterface, subnet);
                network.complete(null);
            } catch (IOException | RuntimeException e) {
                network.completeExceptionally(e);
            }
        });
        Process process;
        try {
            process = launcher.start(chain(cgroup, namespace, launch), launch, launch.port());
        } catch (LaunchException e) {
            abandon(network, cgroup, releaseHeld);
            throw e;
        }
        try {
            network.get();
            try (OutputStream gate = process.getOutputStream()) {
                gate.write('\n');
            }
        } catch (ExecutionException | IOException | InterruptedException e) {
            process.destroyForcibly();
            abandon(network, cgroup, releaseHeld);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new LaunchException("cannot set up container " + id + ": " + cause.getMessage(), cause);
        }
        ProcessHandle init = awaitInit(process);
        InetSocketAddress address = new InetSocketAddress(subnet.block().address(2), launch.port());
        NamespaceProcesses processes = new NamespaceProcesses(id, process, init, cgroup, namespace,
                hostInterface, releaseHeld);
        log.info("container {} started: pid {}, address {}:{}, network namespace {}", id, processes.pid(),
                address.getAddress().getHostAddress(), launch.port(), namespace);
        return new LocalContainer(id, address, process, processes);
    }

    private List<String> chain(ContainerCgroup cgroup, String namespace, ContainerLaunch launch) {
        List<Path> procsFiles = cgroup == null ? List.of() : cgroup.procsFiles();
        List<String> command = new ArrayList<>(List.of(tools.sh().toString(), "-c", GATE, "sh",
                Integer.toString(procsFiles.size())));
        procsFiles.forEach(file -> command.add(file.toString()));
        command.addAll(List.of(tools.nsenter().toString(), "--net=" + NetworkNamespaces.path(namespace),
                tools.unshare().toString(), "--pid", "--mount", "--fork", "--kill-child", "--mount-proc",
                "--propagation", "private"));
        if (!launch.mounts().isEmpty()) {
            command.addAll(List.of(tools.sh().toString(), "-c", MOUNTS, "sh", tools.mount().toString(),
                    Integer.toString(launch.mounts().size())));
            for (VolumeMount mount : launch.mounts()) {
                command.add(mount.hostDirectory().toString());
                command.add(mount.containerPath());
            }
        }
        command.add(tools.setsid().toString());
        command.addAll(launch.command());
        return command;
    }

    /** Undoes a launch that failed: waits for the network setup to end, then removes everything. */
    private static void abandon(CompletableFuture<Void> network, ContainerCgroup cgroup, Runnable releaseHeld) {
        network.exceptionally(failure -> null).join();
        if (cgroup != null) {
            cgroup.remove();
        }
        releaseHeld.run();
    }

    private void releaseNetwork(String namespace, String hostInterface, AddressPool.Subnet subnet) {
        namespaces.delete(namespace, hostInterface);
        interfacesInUse.remove(hostInterface);
        addressPool.release(subnet);
    }

    /**
     * Waits until {@code unshare} has forked the container's init (a few milliseconds after the
     * spawn), so that {@code pid()} and SIGTERM address the user's command from the start. Gives up
     * when the chain exits first (the command ended at once) or after a bound; the init is then
     * looked up again on first use.
     */
    private static ProcessHandle awaitInit(Process process) {
        long deadline = System.nanoTime() + INIT_WAIT_NANOS;
        long pause = TimeUnit.MICROSECONDS.toNanos(50);
        while (process.isAlive() && System.nanoTime() < deadline) {
            Optional<ProcessHandle> init = ProcFs.children(process.pid()).stream().findFirst().flatMap(ProcessHandle::of);
            if (init.isPresent()) {
                return init.get();
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(2));
        }
        return null;
    }

    /**
     * Kills and removes what earlier instances with this tag left: processes in leftover cgroups
     * and namespaces, then the veths, namespace names and cgroup directories.
     *
     * @param live ids of this instance's containers, which are left alone
     * @return ids of the leftover containers found
     */
    @Override
    public Set<String> removeLeftovers(Set<String> live) {
        Set<String> found = new TreeSet<>();
        List<ContainerCgroup> leftoverCgroups = cgroups.leftovers(live).stream().map(cgroups::of).toList();
        for (ContainerCgroup cgroup : leftoverCgroups) {
            found.add(cgroup.containerId());
            cgroup.kill();
        }
        List<String> leftoverNamespaces = namespaces.leftoverNamespaces(live);
        for (String namespace : leftoverNamespaces) {
            found.add(namespaces.containerId(namespace));
            ProcFs.handles(namespaces.pids(namespace)).forEach(ProcessHandle::destroyForcibly);
        }
        namespaces.delete(leftoverNamespaces, namespaces.leftoverInterfaces(interfacesInUse));
        leftoverCgroups.forEach(ContainerCgroup::remove);
        if (!found.isEmpty()) {
            log.info("removed leftover containers {}", found);
        }
        return found;
    }

    @Override
    public void close() {
        addressPool.close();
        cgroups.close();
    }
}
