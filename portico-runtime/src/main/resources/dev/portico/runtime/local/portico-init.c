/*
 * portico-init: starts one namespace-isolated container of Portico's local runtime, doing in one
 * process what setpriv, sh, nsenter, unshare and setsid otherwise do in five (see NamespaceIsolation
 * and NativeInit, which compiles this file).
 *
 * usage: portico-init PARENT_PID NETNS N PROCS_FILE... M HOST_DIR MOUNT_POINT... COMMAND [ARG...]
 *
 * This process, the one the JVM started:
 *   1. asks for SIGKILL when the JVM thread that started it ends, and exits if its parent is no
 *      longer PARENT_PID (the JVM died before that request took effect);
 *   2. writes its pid to each of the N PROCS_FILEs: it and all its descendants are then in the
 *      container's cgroups before any of the container's code runs;
 *   3. waits for one newline on stdin, the JVM's go-ahead (anything else, end-of-file included,
 *      ends it without starting anything);
 *   4. enters the network namespace NETNS (a file such as /var/run/netns/NAME);
 *   5. unshares the PID and mount namespaces, forks the container's init and waits for it, with
 *      SIGINT and SIGTERM blocked; exits with the init's status, or 128 + the signal that
 *      killed it.
 * The init, PID 1 of the new PID namespace:
 *   6. asks for SIGKILL when this process ends, and exits if it already has;
 *   7. makes every mount private, mounts a /proc of its own, bind-mounts the M volumes;
 *   8. starts a session of its own and execs COMMAND, looked up on PATH.
 * Failures before the exec exit with 125 (126 or 127 when COMMAND cannot be run), with a message
 * on stderr, the container's log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAILED 125

static void fail(const char *what, const char *subject) {
    int error = errno;
    dprintf(STDERR_FILENO, "portico-init: %s %s: %s\n", what, subject, strerror(error));
    _exit(FAILED);
}

static void usage(const char *problem) {
    dprintf(STDERR_FILENO, "portico-init: %s\n", problem);
    _exit(FAILED);
}

/* A non-negative decimal number, at most max. */
static long number(const char *text, long max) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > max) {
        usage("bad number in the arguments");
    }
    return value;
}

static void join_cgroup(const char *procs_file) {
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%ld\n", (long) getpid());
    int fd = open(procs_file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t) length) != length || close(fd) != 0) {
        fail("cannot join cgroup", procs_file);
    }
}

static void await_go_ahead(void) {
    char c;
    ssize_t n;
    do {
        n = read(STDIN_FILENO, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || c != '\n') {
        _exit(FAILED);
    }
}

int main(int argc, char **argv) {
    int i = 1;
    if (argc < 5) {
        usage("usage: portico-init PARENT_PID NETNS N PROCS_FILE... M HOST_DIR MOUNT_POINT... COMMAND [ARG...]");
    }
    pid_t parent = (pid_t) number(argv[i++], INT_MAX);
    const char *netns = argv[i++];
    long cgroups = number(argv[i++], argc);
    if (i + cgroups >= argc) {
        usage("missing arguments after the cgroup files");
    }
    char **procs_files = argv + i;
    i += (int) cgroups;
    long mounts = number(argv[i++], argc);
    if (i + 2 * mounts >= argc) {
        usage("missing command");
    }
    char **volumes = argv + i;
    i += (int) (2 * mounts);
    char **command = argv + i;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        fail("cannot set", "the parent death signal");
    }
    if (getppid() != parent) {
        _exit(FAILED);
    }
    for (long c = 0; c < cgroups; c++) {
        join_cgroup(procs_files[c]);
    }
    await_go_ahead();

    int netns_fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0 || setns(netns_fd, CLONE_NEWNET) != 0) {
        fail("cannot enter network namespace", netns);
    }
    close(netns_fd);
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
        fail("cannot unshare", "the PID and mount namespaces");
    }

    sigset_t blocked, original;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &blocked, &original) != 0) {
        fail("cannot block", "SIGINT and SIGTERM");
    }
    /* Open while this process lives: the init sees end-of-file on it once this process is gone. */
    int alive[2];
    if (pipe2(alive, O_CLOEXEC | O_NONBLOCK) != 0) {
        fail("cannot create", "a pipe");
    }
    pid_t init = fork();
    if (init < 0) {
        fail("cannot fork", "the container's init");
    }
    if (init > 0) {
        close(alive[0]);
        int status;
        while (waitpid(init, &status, 0) < 0) {
            if (errno != EINTR) {
                fail("cannot wait for", "the container's init");
            }
        }
        if (WIFSIGNALED(status)) {
            _exit(128 + WTERMSIG(status));
        }
        _exit(WEXITSTATUS(status));
    }

    close(alive[1]);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        fail("cannot set", "the parent death signal");
    }
    char byte;
    if (read(alive[0], &byte, 1) == 0) {
        _exit(FAILED); /* the parent is already gone */
    }
    close(alive[0]);
    if (sigprocmask(SIG_SETMASK, &original, NULL) != 0) {
        fail("cannot restore", "the signal mask");
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        fail("cannot make private", "the mounts");
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0) {
        fail("cannot mount", "/proc");
    }
    for (long m = 0; m < mounts; m++) {
        const char *host_dir = volumes[2 * m];
        const char *mount_point = volumes[2 * m + 1];
        if (mount(host_dir, mount_point, NULL, MS_BIND, NULL) != 0) {
            int error = errno;
            dprintf(STDERR_FILENO, "portico: cannot mount %s at %s: %s\n", host_dir, mount_point, strerror(error));
            _exit(FAILED);
        }
    }
    if (setsid() < 0) {
        fail("cannot start", "a session");
    }
    execvp(command[0], command);
    int error = errno;
    dprintf(STDERR_FILENO, "portico-init: cannot run %s: %s\n", command[0], strerror(error));
    _exit(error == ENOENT ? 127 : 126);
}
