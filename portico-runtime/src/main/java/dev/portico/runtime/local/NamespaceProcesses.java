package dev.portico.runtime.local;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of a namespace-isolated container: the launched process (portico-init, or the
 * util-linux chain, which ends as {@code unshare}), outside the container's PID namespace,
 * waiting for its only child, the user's command, which is PID 1 inside.
 *
 * <p>Ending the container means ending that init: the kernel then kills everything else in the
 * PID namespace, and the launched process exits with the init's status. The cgroup, when there is one,
 * does the same in one write and also catches the chain itself.
 */
final class NamespaceProcesses implements ContainerProcesses {

    private static final Logger log = LoggerFactory.getLogger(NamespaceProcesses.class);

    private final String containerId;
    private final Process launched;
    private volatile ProcessHandle init;
    private final ContainerCgroup cgroup;
    private final String namespace;
    private final String hostInterface;
    private final Runnable releaseNetwork;

    /**
     * @param init the container's init when already known, else null (looked up on first use)
     * @param cgroup the container's cgroups; null when the host offers none
     * @param releaseNetwork deletes the namespace and veth pair, frees the subnet and the mount points
     */
    NamespaceProcesses(String containerId, Process launched, ProcessHandle init, ContainerCgroup cgroup,
            String namespace, String hostInterface, Runnable releaseNetwork) {
        this.containerId = containerId;
        this.launched = launched;
        this.init = init;
        this.cgroup = cgroup;
        this.namespace = namespace;
        this.hostInterface = hostInterface;
        this.releaseNetwork = releaseNetwork;
    }

    String namespace() {
        return namespace;
    }

    String hostInterface() {
        return hostInterface;
    }

    @Override
    public Optional<ContainerCgroup> cgroup() {
        return Optional.ofNullable(cgroup);
    }

    /** Host pid of the init; the launched process's while the init is not (or no longer) seen. */
    @Override
    public long pid() {
        return init().map(ProcessHandle::pid).orElse(launched.pid());
    }

    /**
     * The init, looked up among the launched process's children while that process is alive (our
     * own unreaped child, so its pid cannot have been reused).
     */
    private Optional<ProcessHandle> init() {
        if (init == null && launched.isAlive()) {
            init = ProcFs.children(launched.pid()).stream().findFirst().flatMap(ProcessHandle::of).orElse(null);
        }
        return Optional.ofNullable(init);
    }

    @Override
    public void terminate() {
        init().ifPresentOrElse(ProcessHandle::destroy,
                () -> log.debug("container {} has no init yet; SIGTERM not sent", containerId));
    }

    @Override
    public void killAll() {
        cgroup().ifPresent(ContainerCgroup::kill);
        init().ifPresent(ProcessHandle::destroyForcibly);
        launched.destroyForcibly();
    }

    @Override
    public void release() {
        killAll();
        cgroup().ifPresent(ContainerCgroup::remove);
        releaseNetwork.run();
    }
}
