package dev.portico.runtime.local;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of a container without isolation: its leader (the user's command, started under
 * {@code setsid} so that it leads a session of its own) and every process in that session.
 *
 * <p>Why the session and not the leader's descendants: when the leader exits, its children are
 * reparented to init and are no longer its descendants, but they keep their session id. The
 * kernel does not hand out the leader's pid again while any process still carries it as a session
 * id, so "processes of session {@code pid}" cannot name someone else's processes. Where there is
 * no {@code /proc} or no {@code setsid} (not Linux), descendants are the best that can be done.
 */
final class SessionProcesses implements ContainerProcesses {

    private static final Logger log = LoggerFactory.getLogger(SessionProcesses.class);
    private static final long RELEASE_WAIT_SECONDS = 5;

    private final ProcessHandle leader;
    private final boolean ownSession;
    private final Optional<ContainerCgroup> cgroup;
    private final Runnable onRelease;

    /**
     * @param ownSession whether the leader was started under {@code setsid}
     * @param cgroup the container's cgroups, when it has any
     * @param onRelease frees what the container held once it has exited, its cgroups included
     */
    SessionProcesses(ProcessHandle leader, boolean ownSession, Optional<ContainerCgroup> cgroup, Runnable onRelease) {
        this.leader = leader;
        this.ownSession = ownSession;
        this.cgroup = cgroup;
        this.onRelease = onRelease;
    }

    @Override
    public Optional<ContainerCgroup> cgroup() {
        return cgroup;
    }

    @Override
    public long pid() {
        return leader.pid();
    }

    @Override
    public void terminate() {
        members().forEach(ProcessHandle::destroy);
    }

    @Override
    public void killAll() {
        cgroup.ifPresent(ContainerCgroup::kill);
        members().forEach(ProcessHandle::destroyForcibly);
    }

    /** Kills what is left of the session and waits (bounded) until it is gone. */
    @Override
    public void release() {
        List<ProcessHandle> left = members().filter(ProcessHandle::isAlive).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        if (!awaitGone(left)) {
            log.warn("processes of session {} still alive {} s after SIGKILL", leader.pid(), RELEASE_WAIT_SECONDS);
        }
        onRelease.run();
    }

    /**
     * Waits until {@code processes} have exited. With {@code /proc} this checks their state
     * every few milliseconds, and a zombie counts as gone: the session's orphans are reaped by
     * init whenever it gets to it. Elsewhere {@link ProcessHandle#onExit()} is all there is, and
     * for processes that are not the JVM's children it polls every 300 ms or more.
     */
    private static boolean awaitGone(List<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RELEASE_WAIT_SECONDS);
        if (!ProcFs.available()) {
            try {
                CompletableFuture.allOf(processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(RELEASE_WAIT_SECONDS, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException | TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        while (processes.stream().anyMatch(p -> ProcFs.stat(p.pid()).map(ProcFs.Stat::running).orElse(false))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(10));
        }
        return true;
    }

    private Stream<ProcessHandle> members() {
        Stream<ProcessHandle> others = ownSession && ProcFs.available()
                ? ProcFs.handles(ProcFs.sessionMembers(leader.pid()))
                : leader.descendants();
        return Stream.concat(Stream.of(leader), others).distinct();
    }
}
