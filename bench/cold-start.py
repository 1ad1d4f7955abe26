#!/usr/bin/env python3
"""Cold-start figures for the bundled example, measured against a real `portico up`.

Prints, as medians over N cold starts:
  - first 503 -> first 200 through the proxy (what a user sees),
  - the process's own start-up (the same container command run by hand in a fresh network
    namespace, from exec to the port accepting), and the platform's overhead (the difference),
  - the wall time of `portico deploy`,
  - resident memory of an idle `portico up` and of one container's entrypoint JVM.

Usage: bench/cold-start.py [N]   (root on Linux; uses its own PORTICO_HOME and free ports)
"""
import glob, re, socket, statistics, subprocess, sys, time

sys.dont_write_bytecode = True   # no bench/__pycache__ in the checkout
from portico_bench import Portico, example_jar

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def request(port, host, path="/"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n" in data:
            break
    s.close()
    return int(data.split(b" ", 2)[1])


def is_entrypoint(argv):
    """The container's JVM itself, not the launcher processes whose arguments contain its command."""
    return argv[0].endswith(b"java") and b"dev.portico.internal.ContainerMain" in argv


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def pss_kib(pid):
    """Proportional set size: shared pages (the JDK, the AOT cache) split among their users."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return int(re.search(r"^Pss:\s+(\d+)", f.read(), re.M).group(1))


def main():
    up = Portico("portico-bench-", example=True).start()
    if up.example_url is None:
        up.stop()
        sys.exit("portico up did not deploy the example")
    port = int(up.example_url.rsplit(":", 1)[1])
    try:
        cold, deploys = [], []
        for i in range(N):
            t = time.perf_counter()
            up.cli("deploy", example_jar(), "--name", f"cold{i}")
            deploys.append(time.perf_counter() - t)
            host = f"main--cold{i}--hello.localhost"
            assert request(port, host) == 503
            t0 = time.perf_counter()
            while request(port, host) != 200:
                time.sleep(0.001)
            cold.append(time.perf_counter() - t0)
        time.sleep(3)
        up_rss = up.rss_kib()
        entrypoints = [int(p.split("/")[2]) for p in glob.glob("/proc/[0-9]*/cmdline")
                       if is_entrypoint(open(p, "rb").read().split(b"\0"))]
        entry_rss = statistics.median(rss_kib(p) for p in entrypoints) if entrypoints else float("nan")
        entry_pss = statistics.median(pss_kib(p) for p in entrypoints) if entrypoints else float("nan")
        # The exact command the platform ran, to run it again by hand.
        command = open(f"/proc/{entrypoints[0]}/cmdline", "rb").read().decode().rstrip("\0").split("\0")
        # Measured while the (idle) platform still runs: the command needs its artifact in the home.
        own = [own_startup(command) for _ in range(N)]
        entry = [entrypoint_time(command) for _ in range(N)]
    finally:
        up.stop()

    ms = lambda xs: statistics.median(xs) * 1000
    print(f"cold start, first 503 -> first 200:   {ms(cold):7.1f} ms (median of {N})")
    print(f"process's own start-up (by hand):      {ms(own):7.1f} ms")
    print(f"platform overhead (difference):        {ms(cold) - ms(own):7.1f} ms")
    print(f"entrypoint JVM, exec -> @Enter done:   {ms(entry):7.1f} ms (training class: starts `true`, exits)")
    print(f"portico deploy wall time:              {ms(deploys):7.1f} ms (CLI JVM start included)")
    print(f"idle portico up RSS:                   {up_rss / 1024:7.1f} MiB")
    print(f"entrypoint JVM RSS per container:      {entry_rss / 1024:7.1f} MiB ({len(entrypoints)} containers;"
          f" PSS {entry_pss / 1024:.1f} MiB)")


def entrypoint_time(command):
    """The container's JVM with the SDK's AOT training class: start, run an @Enter that spawns `true`, exit."""
    java_and_options = command[:command.index("-cp")]
    sdk = command[command.index("-cp") + 1].split(":")[0]
    t0 = time.perf_counter()
    subprocess.run(java_and_options + ["-cp", sdk, "dev.portico.internal.ContainerMain",
                                       "dev.portico.internal.AotTraining"], check=True)
    return time.perf_counter() - t0


def own_startup(command):
    """Runs a container's command by hand in a fresh network namespace: exec -> port accepts."""
    probe = r'''
import socket, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
while True:
    try:
        socket.create_connection(("127.0.0.1", 8000), timeout=1).close()
        break
    except OSError:
        if p.poll() is not None:
            sys.exit("the container command exited with status %d" % p.returncode)
        time.sleep(0.001)
print(time.perf_counter() - t0)
import os, signal
os.killpg(p.pid, signal.SIGKILL)
'''
    out = subprocess.run(["unshare", "--net", "--pid", "--fork", "--kill-child", "sh", "-c",
                          'ip link set lo up && exec python3 -c "$0" "$@"', probe] + command,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


if __name__ == "__main__":
    main()
