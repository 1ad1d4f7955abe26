package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
import dev.portico.runtime.VolumeMount;
import dev.portico.runtime.local.NetworkNamespaces.Network;
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
 * portico-init JVM_PID NETNS N PROCS_FILE... M HOST_DIR MOUNT_POINT... COMMAND...
 * </pre>
 *
 * <p>one small C program ({@link NativeInit}, compiled on the host) that does in one process, in
 * this order, what the util-linux chain below does in five: it asks for SIGKILL when the JVM's
 * spawn thread ends, joins the cgroups, waits for the go-ahead on stdin, enters the network
 * namespace, unshares the PID and mount namespaces, forks the user's command as PID 1 of the new
 * PID namespace (which makes every mount private, mounts its own {@code /proc}, bind-mounts the
 * volumes and starts its own session) and waits for it. Where it cannot be built (no C compiler),
 * or with {@code -Dportico.runtime.nativeInit=false}, the same steps are:
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
 * <p>Each {@code exec} costs 1.5–3 ms on the small VMs Portico runs on (more under load), which
 * is why the native init exists. The network namespace usually comes ready from the
 * {@link NetworkPool}; otherwise it is made while the chain starts.
 *
 * <p>Resources: the container's cgroups carry its limits ({@link ContainerCgroups}) before its
 * first process joins them, and the GPU devices it is given reach it as
 * {@code CUDA_VISIBLE_DEVICES} ({@link ProcessLauncher}). Volumes are bind-mounted by the init
 * itself, inside its new mount namespace, before it {@code exec}s the user's command; the mount
 * namespace's propagation is private, so nothing of them is seen outside the container, except
 * the empty mount point directories ({@link MountPoints}).
 *
 * <p>Everything up to the fork is one process (in the util-linux chain each step {@code exec}s
 * the next), the one the JVM started; it forks the user's command as the init of a new PID
 * namespace and waits for it, exiting with its status. This is what guarantees "no orphans": when
 * the init exits, the kernel kills every other process in its namespace; the init gets SIGKILL
 * if its parent dies ({@code --kill-child}); the parent gets SIGKILL if the JVM dies, even by
 * SIGKILL ({@code --pdeathsig}). What a crash leaves behind is only names: namespace files, veth
 * pairs and cgroup directories, which {@link #removeLeftovers} clears, and the route of its
 * address block, which the next runtime that claims the block or closes takes over or removes
 * ({@link AddressPool}).
 *
 * <p>Exit status: the parent exits with the init's status, or 128 + the signal that killed it.
 * ({@code unshare} re-raises the signal instead, so the JVM sees the same number, except that
 * util-linux 2.38 cannot re-raise SIGKILL and exits with 1; but the runtime's own kills go
 * through the cgroup, which kills {@code unshare} too, and then the JVM sees 137 directly.)
 */
final class NamespaceIsolation implements IsolationDriver {

    private static final Logger log = LoggerFactory.getLogger(NamespaceIsolation.class);
    private static final Path ADDRESS_LOCK_DIR = Path.of("/run/portico/address-blocks");
    private static final long INIT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long INIT_POLL_MAX_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

    /** System property: {@code false} starts containers through util-linux even where portico-init works. */
    static final String NATIVE_INIT_PROPERTY = "portico.runtime.nativeInit";

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
    /** portico-init; null to use the util-linux chain. */
    private final Path nativeInit;
    private final ProcessLauncher launcher;
    private final NetworkNamespaces namespaces;
    private final AddressPool addressPool;
    private final NetworkPool networkPool;
    private final ContainerCgroups cgroups;
    private final MountPoints mountPoints = new MountPoints();
    /** Namespaces and host interfaces of this instance's containers and pool: not leftovers. */
    private final Set<String> namespacesInUse = ConcurrentHashMap.newKeySet();
    private final Set<String> interfacesInUse = ConcurrentHashMap.newKeySet();

    /**
     * @param networkPoolSize how many network namespaces to keep ready ({@link NetworkPool}); 0
     *     for none
     */
    NamespaceIsolation(Tools tools, ProcessLauncher launcher, InstanceTag tag, Ipv4Block pool, int networkPoolSize) {
        this.tools = tools;
        this.launcher = launcher;
        if (Boolean.parseBoolean(System.getProperty(NATIVE_INIT_PROPERTY, "true"))) {
            this.nativeInit = NativeInit.locate().orElse(null);
        } else {
            log.info("containers start through setpriv, nsenter and unshare ({}=false)", NATIVE_INIT_PROPERTY);
            this.nativeInit = null;
        }
        this.namespaces = new NetworkNamespaces(tools.ip(), tag);
        this.addressPool = new AddressPool(pool, ADDRESS_LOCK_DIR, tools.ip());
        this.cgroups = ContainerCgroups.detect(tag);
        if (!cgroups.present()) {
            log.info("containers are killed through their PID namespace");
        }
        this.networkPool = new NetworkPool(networkPoolSize, namespaces, addressPool, namespacesInUse, interfacesInUse);
        networkPool.refill();
    }

    /** The pool of ready network namespaces (for tests). */
    NetworkPool networkPool() {
        return networkPool;
    }

    /** Whether containers start through portico-init rather than the util-linux chain. */
    boolean usesNativeInit() {
        return nativeInit != null;
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
     * <p>The network namespace comes from the {@link NetworkPool} when one is ready. Otherwise
     * it is made here, which takes two {@code ip} processes, while the chain starts: they only
     * depend on each other when the chain enters the namespace, so the chain moves itself into
     * its cgroups and waits on stdin (the gate) while the network is set up in parallel; the JVM
     * then writes the line that lets it go on, and closes stdin (the container reads
     * end-of-file). If the network cannot be set up, the waiting chain is killed before any user
     * code ran. With a pooled network the line is written at once.
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
        try {
            return start(launch);
        } finally {
            networkPool.refill();
        }
    }

    private LocalContainer start(ContainerLaunch launch) throws LaunchException {
        String id = launch.id();
        List<Path> mountPoints;
        try {
            mountPoints = this.mountPoints.acquire(launch.mounts().stream().map(VolumeMount::containerPath).toList());
        } catch (IOException e) {
            throw new LaunchException("cannot create the mount points of container " + id + ": " + e.getMessage(), e);
        }
        Optional<Network> pooled = networkPool.take(id);
        Network network;
        if (pooled.isPresent()) {
            network = pooled.get();
        } else {
            AddressPool.Subnet subnet;
            try {
                subnet = addressPool.acquire();
            } catch (LaunchException | RuntimeException e) {
                this.mountPoints.release(mountPoints);
                throw e;
            }
            network = namespaces.forContainer(id, subnet);
            namespacesInUse.add(network.namespace());
            interfacesInUse.add(network.hostInterface());
        }
        Runnable releaseHeld = () -> {
            releaseNetwork(network);
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
        CompletableFuture<Void> networkReady = new CompletableFuture<>();
        if (pooled.isPresent()) {
            networkReady.complete(null);
        } else {
            Thread.ofVirtual().name("portico-netns-" + id).start(() -> {
                try {
                    namespaces.create(network);
                    networkReady.complete(null);
                } catch (IOException | RuntimeException e) {
                    networkReady.completeExceptionally(e);
                }
            });
        }
        Process process;
        try {
            process = nativeInit != null
                    ? launcher.startGuarded(nativeInitCommand(cgroup, network.namespace(), launch), launch, launch.port())
                    : launcher.start(chain(cgroup, network.namespace(), launch), launch, launch.port());
        } catch (LaunchException e) {
            abandon(networkReady, cgroup, releaseHeld);
            throw e;
        }
        try {
            networkReady.get();
            try (OutputStream gate = process.getOutputStream()) {
                gate.write('\n');
            }
        } catch (ExecutionException | IOException | InterruptedException e) {
            process.destroyForcibly();
            abandon(networkReady, cgroup, releaseHeld);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new LaunchException("cannot set up container " + id + ": " + cause.getMessage(), cause);
        }
        ProcessHandle init = awaitInit(process);
        InetSocketAddress address = new InetSocketAddress(network.subnet().block().address(2), launch.port());
        NamespaceProcesses processes = new NamespaceProcesses(id, process, init, cgroup, network.namespace(),
                network.hostInterface(), releaseHeld);
        log.info("container {} started: pid {}, address {}:{}, network namespace {}{}", id, processes.pid(),
                address.getAddress().getHostAddress(), launch.port(), network.namespace(),
                pooled.isPresent() ? " (pooled)" : "");
        return new LocalContainer(id, address, process, processes);
    }

    /** The portico-init command line: see {@link NativeInit} and the source it compiles. */
    private List<String> nativeInitCommand(ContainerCgroup cgroup, String namespace, ContainerLaunch launch) {
        List<Path> procsFiles = cgroup == null ? List.of() : cgroup.procsFiles();
        List<String> command = new ArrayList<>(List.of(nativeInit.toString(),
                Long.toString(ProcessHandle.current().pid()), NetworkNamespaces.path(namespace).toString(),
                Integer.toString(procsFiles.size())));
        procsFiles.forEach(file -> command.add(file.toString()));
        command.add(Integer.toString(launch.mounts().size()));
        for (VolumeMount mount : launch.mounts()) {
            command.add(mount.hostDirectory().toString());
            command.add(mount.containerPath());
        }
        command.addAll(launch.command());
        return command;
    }

    /** The util-linux chain: see the class comment. */
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

    private void releaseNetwork(Network network) {
        namespaces.delete(network);
        namespacesInUse.remove(network.namespace());
        interfacesInUse.remove(network.hostInterface());
        addressPool.release(network.subnet());
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
            pause = Math.min(pause * 2, INIT_POLL_MAX_NANOS);
        }
        return null;
    }

    /**
     * Kills and removes what earlier instances with this tag left: processes in leftover cgroups
     * and namespaces, then the veths, namespace names and cgroup directories. Pooled namespaces
     * count as a container's when one took them (the host interface's label says which); this
     * instance's own pool is left alone.
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
        List<String> leftoverNamespaces = namespaces.leftoverNamespaces(namespacesInUse);
        for (String namespace : leftoverNamespaces) {
            namespaces.containerId(namespace).filter(id -> !live.contains(id)).ifPresent(found::add);
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
        networkPool.close();
        addressPool.close();
        cgroups.close();
    }
}
