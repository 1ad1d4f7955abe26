#!/usr/bin/env python3
"""Soak: steady load with container churn against a real `portico up`, watching its memory.

Starts `portico up` (own PORTICO_HOME, free ports), deploys a small app (one server: a JDK HttpServer
answering "ok", minContainers 1, exitGracePeriod 10 s, scaledownWindow 5 s), then for SOAK_SECONDS:
  - load: SOAK_CLIENTS keep-alive HTTP/1.1 clients (Python threads) sending SOAK_RATE requests/s in
    all through the proxy, each request with a 30 s timeout;
  - churn, one CLI command at a time every SOAK_CHURN seconds: `portico server autoscaler ...
    --min-containers 4`, then `--min-containers 1` (scale up and down), and every fourth step a
    rolling redeploy of the same jar (`portico deploy`, which also resets the autoscaler to the spec);
  - every SOAK_SAMPLE seconds: heap used by the `up` JVM (jvm_memory_used_bytes{area="heap"} from
    the API's /metrics; its old generation apart), non-heap used, its RSS (/proc/PID/status VmRSS),
    threads, open files, ready containers, and the interval's request rate, failures and latency.
It prints that table as it goes, then requests sent, failed (non-2xx and connection errors, by
status or error), the drift of heap, non-heap and RSS (median of the last third of samples against
the first third's), and the live heap after a full GC (`jcmd PID GC.run`) after the first sample
and at the end: with a serial GC the old generation only shrinks at a full GC, so this is the
figure that tells retained memory from garbage not yet collected.

Expected: zero failed requests (the documented exceptions, 502 for a container reset mid-request
and 503 with no ready container, should not occur here: the server never has fewer than one ready
container, and drains let in-flight requests finish); heap and RSS flat after warm-up.
Exit status 1 when a request failed, 2 when only a churn command failed.

Usage: bench/soak.py     environment: SOAK_SECONDS (600), SOAK_RATE (200), SOAK_CLIENTS (4),
                         SOAK_CHURN (15), SOAK_SAMPLE (10); e.g. SOAK_SECONDS=60 to check the script.
"""
import collections, http.client, os, re, statistics, sys, tempfile, threading, time, shutil

sys.dont_write_bytecode = True   # no bench/__pycache__ in the checkout
from portico_bench import JAVA_HOME, Portico, build_jar, metric_sum

SECONDS = float(os.environ.get("SOAK_SECONDS", 600))
RATE = float(os.environ.get("SOAK_RATE", 200))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", 4))
CHURN = float(os.environ.get("SOAK_CHURN", 15))
SAMPLE = float(os.environ.get("SOAK_SAMPLE", 10))
MAX_REQUESTS = int(RATE * SECONDS * 1.1) + 100      # a bound on the load loop besides its deadline
APP = "soak"
HIGH, LOW = 4, 1

SOURCE = """package soak;

import com.sun.net.httpserver.HttpServer;
import dev.portico.Enter;
import dev.portico.Exit;
import dev.portico.Server;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** Answers every request with 200 "ok <container id>". */
@Server(unauthenticated = true, minContainers = 1, exitGracePeriod = 10, scaledownWindow = 5)
public class Soak {
    private static final byte[] BODY = ("ok " + System.getenv("PORTICO_CONTAINER_ID") + "\\n").getBytes();
    private HttpServer http;

    @Enter
    void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress(Integer.parseInt(System.getenv("PORT"))), 128);
        http.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(BODY);
            }
        });
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
    }

    @Exit
    void stop() {
        http.stop(1);
    }
}
"""


class Load:
    """CLIENTS threads, each with one keep-alive connection to the proxy, RATE requests/s in all."""

    def __init__(self, port, host):
        self.port, self.host = port, host
        self.lock = threading.Lock()
        self.sent = 0
        self.statuses = collections.Counter()   # HTTP status -> count
        self.errors = collections.Counter()     # connection error -> count
        self.latencies = []                     # seconds, of this sample interval's requests
        self.failures = []                      # (time, what) of the first failures
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]

    def start(self):
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def client(self, index):
        interval = CLIENTS / RATE
        next_at = time.monotonic() + index * interval / CLIENTS
        connection = self.connect()
        while not self.stop.is_set():
            with self.lock:
                if self.sent >= MAX_REQUESTS:
                    break
                self.sent += 1
            t0 = time.monotonic()
            status, error = None, None
            try:
                connection.request("GET", "/", headers={"Host": self.host})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    connection.close()
                    connection = self.connect()
            except (OSError, http.client.HTTPException) as e:
                error = type(e).__name__
                connection.close()
                connection = self.connect()
            latency = time.monotonic() - t0
            with self.lock:
                if error:
                    self.errors[error] += 1
                else:
                    self.statuses[status] += 1
                if error or not 200 <= status < 300:
                    if len(self.failures) < 20:
                        self.failures.append((time.monotonic() - self.started, error or f"HTTP {status}"))
                self.latencies.append(latency)
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)
            else:
                next_at = time.monotonic()   # behind (a slow request): no burst to catch up
        connection.close()

    def take(self):
        """(requests, failures so far) and the latencies since the last call."""
        with self.lock:
            latencies, self.latencies = self.latencies, []
            failed = sum(self.errors.values()) + sum(n for s, n in self.statuses.items() if not 200 <= s < 300)
            return self.sent, failed, latencies


class Churn:
    """One CLI command every CHURN seconds: scale up, scale down, ..., a rolling redeploy every fourth step."""

    def __init__(self, up, jar, started):
        self.up, self.jar, self.started = up, jar, started
        self.events = []    # (time, what, seconds, ok, message)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        step = 0
        while not self.stop.wait(max(0.0, self.started + (step + 1) * CHURN - time.monotonic())):
            step += 1
            if step % 4 == 0:
                what, args = "redeploy", ("deploy", self.jar, "--name", APP)
            else:
                count = HIGH if step % 2 == 1 else LOW
                what, args = f"min {count}", ("server", "autoscaler", APP, "soak", "--min-containers", count)
            at = time.monotonic() - self.started
            try:
                seconds, result = self.up.timed_cli(*args, check=False, timeout=300)
                ok, message = result.returncode == 0, (result.stderr or result.stdout).strip().splitlines()[-1:]
            except Exception as e:   # a timeout: recorded, the soak goes on
                seconds, ok, message = float("nan"), False, [str(e)]
            self.events.append((at, what, seconds, ok, message[0] if message else ""))


def live_heap(up):
    """Heap used right after a full GC (`jcmd PID GC.run`): what is really retained. NaN without jcmd."""
    try:
        import subprocess
        subprocess.run([f"{JAVA_HOME}/bin/jcmd", str(up.pid), "GC.run"], check=True, capture_output=True, timeout=60)
    except Exception:
        return float("nan")
    return heap_and_old(up.metrics())[0] / 2**20


def heap_and_old(samples):
    heap = metric_sum(samples, "jvm_memory_used_bytes", area="heap")
    old = sum(v for (n, ls), v in samples.items() if n == "jvm_memory_used_bytes" and ("area", "heap") in ls
              and any(k == "id" and ("Tenured" in val or "Old" in val) for k, val in ls))
    return heap, old


def thread_names(pid):
    """Threads of a process by name, digits and container ids folded (`portico-ready-ct-…` -> one name)."""
    names = collections.Counter()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        names[re.sub(r"ct-[a-z0-9]+|[0-9]+", "#", name)] += 1
    return names


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def drift(rows, column):
    third = max(1, len(rows) // 3)
    first = statistics.median(r[column] for r in rows[:third])
    last = statistics.median(r[column] for r in rows[-third:])
    return first, last


def main():
    work = tempfile.mkdtemp(prefix="portico-soak-app-")
    try:
        jar = build_jar(work, "soak", {"soak.Soak": SOURCE})
        status = run(jar)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(status)


def run(jar):
    with Portico("portico-soak-") as up:
        up.cli("deploy", jar, "--name", APP)
        port = up.proxy_port("us-east")
        host = f"main--{APP}--soak.localhost"
        print(f"soak: {SECONDS:.0f} s, {RATE:.0f} requests/s from {CLIENTS} keep-alive clients, churn every {CHURN:.0f} s"
              f" (min-containers {HIGH}/{LOW}, rolling redeploy every {4 * CHURN:.0f} s); up PID {up.pid};"
              f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        load = Load(port, host)
        load.start()
        churn = Churn(up, jar, load.started)
        churn.thread.start()
        rows = []
        first_names = names = collections.Counter()
        print(f"{'t s':>5} {'req/s':>6} {'failed':>6} {'p50 ms':>7} {'p99 ms':>7} {'heap MiB':>8} {'old MiB':>7}"
              f" {'non-heap':>8} {'RSS MiB':>7} {'threads':>7} {'fds':>5} {'ready':>5}", flush=True)
        previous_sent, previous_t = 0, load.started
        end = load.started + SECONDS
        while True:
            time.sleep(max(0.0, min(load.started + (len(rows) + 1) * SAMPLE, end) - time.monotonic()))
            now = time.monotonic()
            sent, failed, latencies = load.take()
            samples = up.metrics()
            heap, old = heap_and_old(samples)
            row = {
                "t": now - load.started, "rate": (sent - previous_sent) / (now - previous_t), "failed": failed,
                "p50": pct(latencies, 50) * 1000, "p99": pct(latencies, 99) * 1000,
                "heap": heap / 2**20, "old": old / 2**20,
                "nonheap": metric_sum(samples, "jvm_memory_used_bytes", area="nonheap") / 2**20, "rss": up.rss_kib() / 1024, "threads": up.threads(),
                "fds": up.open_files(), "ready": int(metric_sum(samples, "portico_containers", state="ready")),
            }
            rows.append(row)
            if len(rows) == 1:
                live_first = live_heap(up)   # after the first interval: start-up garbage gone, load running
            names = thread_names(up.pid)
            first_names = first_names if rows[1:] else names
            previous_sent, previous_t = sent, now
            print(f"{row['t']:5.0f} {row['rate']:6.0f} {row['failed']:6d} {row['p50']:7.2f} {row['p99']:7.2f}"
                  f" {row['heap']:8.1f} {row['old']:7.1f} {row['nonheap']:8.1f} {row['rss']:7.1f} {row['threads']:7d} {row['fds']:5d}"
                  f" {row['ready']:5d}", flush=True)
            if now >= end:
                break
        load.join()
        churn.stop.set()
        churn.thread.join(timeout=300)
        live_last = live_heap(up)

    requests = sum(load.statuses.values()) + sum(load.errors.values())
    ok = sum(n for s, n in load.statuses.items() if 200 <= s < 300)
    failed = requests - ok
    print()
    print(f"requests: {requests} sent, {ok} 2xx, {failed} failed")
    for s, n in sorted(load.statuses.items()):
        if not 200 <= s < 300:
            print(f"  HTTP {s}: {n}")
    for e, n in load.errors.most_common():
        print(f"  {e}: {n}")
    for at, what in load.failures:
        print(f"  first failures: t={at:.1f} s {what}")
    kinds = collections.Counter(what.split()[0] + (" " + what.split()[1] if what.startswith("min") else "")
                                for _, what, _, _, _ in churn.events)
    bad = [e for e in churn.events if not e[3]]
    print(f"churn: {len(churn.events)} commands ({', '.join(f'{n} x {k}' for k, n in sorted(kinds.items()))});"
          f" {len(bad)} failed")
    redeploys = [s for _, w, s, ok_, _ in churn.events if w == "redeploy" and ok_]
    if redeploys:
        print(f"  rolling redeploy wall time: median {statistics.median(redeploys):.1f} s, max {max(redeploys):.1f} s")
    for at, what, seconds, _, message in bad:
        print(f"  t={at:.0f} s {what} failed after {seconds:.1f} s: {message}")
    if len(rows) >= 3:
        for label, column in (("heap used", "heap"), ("old gen", "old"), ("non-heap", "nonheap"), ("RSS", "rss")):
            first, last = drift(rows, column)
            print(f"{label + ':':10} first third median {first:7.1f} MiB, last third {last:7.1f} MiB,"
                  f" drift {last - first:+6.1f} MiB ({(last - first) / first * 100:+.1f} %)")
        print(f"live heap after a full GC (jcmd GC.run): {live_first:.1f} MiB after the first {SAMPLE:.0f} s,"
              f" {live_last:.1f} MiB at the end ({live_last - live_first:+.1f} MiB)")
        for label, column in (("threads", "threads"), ("open files", "fds")):
            first, last = drift(rows, column)
            print(f"{label + ':':10} first third median {first:7.0f}, last third {last:7.0f}")
    grown = {n: names[n] - first_names[n] for n in names | first_names if names[n] != first_names[n]}
    if grown:
        print("threads of up, first sample -> last, by name:",
              ", ".join(f"{n} {first_names[n]}->{names[n]}" for n in sorted(grown)))
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    return 1 if failed else 2 if bad else 0


if __name__ == "__main__":
    main()
