package dev.portico.runtime.local;

import dev.portico.runtime.ContainerLaunch;
import dev.portico.runtime.LaunchException;
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
 *   sh -c GATE                                     (enters the cgroup, waits for the network, execs)
 *   nsenter --net=/var/run/netns/NAME              (enters the network namespace)
 *   unshare --pid --mount --fork --kill-child --mount-proc
 *   setsid COMMAND...                              (PID 1 of its own PID namespace, own session)
 * </pre>
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
     * The chain's first step, run by {@code sh}: moves itself into the cgroup whose
     * {@code cgroup.procs} is {@code $1} (none when empty), waits for a line on stdin and
     * {@code exec}s the rest of the chain. Only shell builtins run before the {@code exec}; the
     * paths are arguments, never interpolated into the script.
     */
    private static final String GATE = "{ [ -z \"$1\" ] || echo $$ > \"$1\"; } && read -r go && shift && exec \"$@\"";

    /** Absolute paths of the programs the chain is built of. */
    record Tools(Path ip, Path sh, Path nsenter, Path unshare, Path setsid) {}

    private final Tools tools;
    private final ProcessLauncher launcher;
    private final NetworkNamespaces namespaces;
    private final AddressPool addressPool;
    private final Optional<ContainerCgroups> cgroups;
    private final Set<String> interfacesInUse = ConcurrentHashMap.newKeySet();

    NamespaceIsolation(Tools tools, ProcessLauncher launcher, InstanceTag tag, Ipv4Block pool) {
        this.tools = tools;
        this.launcher = launcher;
        this.namespaces = new NetworkNamespaces(tools.ip(), tag);
        this.addressPool = new AddressPool(pool, ADDRESS_LOCK_DIR, tools.ip());
        this.cgroups = ContainerCgroups.detect(tag);
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
        if (!runningAsRoot()) {
            throw new IllegalStateException("namespace isolation needs root");
        }
        if (!launcher.killsWithJvm()) {
            throw new IllegalStateException("namespace isolation needs setpriv (util-linux)");
        }
        if (!Files.exists(Path.of("/proc/thread-self/children"))) {
            throw new IllegalStateException("namespace isolation needs /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)");
        }
        Tools tools = new Tools(tool("ip"), tool("sh"), tool("nsenter"), tool("unshare"), tool("setsid"));
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

    private static boolean runningAsRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(line -> line.startsWith("Uid:") && line.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "local (namespace isolation)";
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
        AddressPool.Subnet subnet = addressPool.acquire();
        String namespace = namespaces.namespaceName(id);
        String hostInterface = namespaces.hostInterface(subnet);
        interfacesInUse.add(hostInterface);
        Path cgroup = null;
        try {
            if (cgroups.isPresent()) {
                cgroup = cgroups.get().create(id);
            }
        } catch (IOException e) {
            releaseNetwork(namespace, hostInterface, subnet);
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
            abandon(network, cgroup, namespace, hostInterface, subnet);
            throw e;
        }
        try {
            network.get();
            try (OutputStream gate = process.getOutputStream()) {
                gate.write('\n');
            }
        } catch (ExecutionException | IOException | InterruptedException e) {
            process.destroyForcibly();
            abandon(network, cgroup, namespace, hostInterface, subnet);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new LaunchException("cannot set up container " + id + ": " + cause.getMessage(), cause);
        }
        ProcessHandle init = awaitInit(process);
        InetSocketAddress address = new InetSocketAddress(subnet.block().address(2), launch.port());
        NamespaceProcesses processes = new NamespaceProcesses(id, process, init, cgroups, cgroup, namespace,
                hostInterface, () -> releaseNetwork(namespace, hostInterface, subnet));
        log.info("container {} started: pid {}, address {}:{}, network namespace {}", id, processes.pid(),
                address.getAddress().getHostAddress(), launch.port(), namespace);
        return new LocalContainer(id, address, process, processes);
    }

    private List<String> chain(Path cgroup, String namespace, ContainerLaunch launch) {
        List<String> command = new ArrayList<>(List.of(tools.sh().toString(), "-c", GATE, "sh",
                cgroup == null ? "" : cgroups.get().procsFile(cgroup).toString(),
                tools.nsenter().toString(), "--net=" + NetworkNamespaces.path(namespace),
                tools.unshare().toString(), "--pid", "--mount", "--fork", "--kill-child", "--mount-proc",
                tools.setsid().toString()));
        command.addAll(launch.command());
        return command;
    }

    /** Undoes a launch that failed: waits for the network setup to end, then removes everything. */
    private void abandon(CompletableFuture<Void> network, Path cgroup, String namespace, String hostInterface,
            AddressPool.Subnet subnet) {
        network.exceptionally(failure -> null).join();
        if (cgroup != null) {
            cgroups.get().remove(cgroup);
        }
        releaseNetwork(namespace, hostInterface, subnet);
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
    Set<String> removeLeftovers(Set<String> live) {
        Set<String> found = new TreeSet<>();
        List<Path> leftoverCgroups = cgroups.map(c -> c.leftovers(live)).orElse(List.of());
        for (Path cgroup : leftoverCgroups) {
            found.add(cgroup.getFileName().toString());
            cgroups.get().kill(cgroup);
        }
        List<String> leftoverNamespaces = namespaces.leftoverNamespaces(live);
        for (String namespace : leftoverNamespaces) {
            found.add(namespaces.containerId(namespace));
            ProcFs.handles(namespaces.pids(namespace)).forEach(ProcessHandle::destroyForcibly);
        }
        namespaces.delete(leftoverNamespaces, namespaces.leftoverInterfaces(interfacesInUse));
        leftoverCgroups.forEach(cgroup -> cgroups.get().remove(cgroup));
        if (!found.isEmpty()) {
            log.info("removed leftover containers {}", found);
        }
        return found;
    }

    @Override
    public void close() {
        addressPool.close();
        cgroups.ifPresent(ContainerCgroups::close);
    }
}
