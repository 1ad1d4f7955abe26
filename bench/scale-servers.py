#!/usr/bin/env python3
"""How many servers one `portico up` handles: N deployed servers, idle at zero containers.

Generates one app jar with N @Server classes (minContainers 0, the default; scaledownWindow 2 s), deploys
it to a fresh `portico up` (own PORTICO_HOME, free ports) and reports:
  - `portico deploy` wall time (CLI JVM start included), for the first version and a redeploy of all N,
  - `portico server list` wall time and the number of servers it lists,
  - RSS, heap, threads, open files and idle CPU of `up` with N servers at zero,
  - routing-table updates (build + publish of one RoutingTable with N routes, the control plane's
    portico_routing_updates_seconds histogram): count, mean, p99 bucket and how many took over 10 ms,
    for the two deploys, and for the cold starts of K servers
    (one request each: 503, then a container starts and becomes ready) and letting them scale back to zero.

Goal: N = 1,000 deployed, idle at zero, routing-table updates under 10 ms.

The goal is checked on the updates of the K cold starts, after 5 warm-up ones (the first tables with
an endpoint run code the JVM has not compiled yet); those of the two deploys and of the warm-up are
shown apart.
Wall times: on a shared machine, other work inflates them (the load average is printed).

Usage: bench/scale-servers.py [N] [K]   (defaults 1000 and 20; root on Linux for namespaces)
"""
import json, os, socket, statistics, sys, tempfile, time, shutil

sys.dont_write_bytecode = True   # no bench/__pycache__ in the checkout
from portico_bench import Portico, build_jar, distribution, metric_max, metric_sum

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
K = int(sys.argv[2]) if len(sys.argv) > 2 else 20
W = 5    # warm-up cold starts, before the K measured ones
APP = "scale"
GOAL_MS = 10.0

BASE = """package scale;

import com.sun.net.httpserver.HttpServer;
import dev.portico.Enter;
import dev.portico.Exit;
import java.net.InetSocketAddress;

/** Every generated server: a JDK HttpServer on $PORT answering 200 "ok". */
public abstract class Base {
    private HttpServer http;

    @Enter
    void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress(Integer.parseInt(System.getenv("PORT"))), 64);
        http.createContext("/", exchange -> {
            byte[] body = "ok\\n".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
    }

    @Exit
    void stop() {
        http.stop(0);
    }
}
"""


def server_source(i):
    return f"""package scale;

@dev.portico.Server(name = "s{i:05d}", unauthenticated = true, scaledownWindow = 2)
public class S{i:05d} extends Base {{}}
"""


def request(port, host, timeout=10):
    """One GET through the proxy on a fresh connection; the status code (0 when closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 else 0   # 0: closed without an answer


BUCKETS = ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "+Inf"]


def routing(samples):
    """The routing-update timer: count, sum, max (last 2 minutes) and its cumulative buckets by `le`."""
    name = "portico_routing_updates_seconds"
    return {
        "count": metric_sum(samples, name + "_count"),
        "sum": metric_sum(samples, name + "_sum"),
        "max": metric_max(samples, name + "_max"),
        "buckets": {le: metric_sum(samples, name + "_bucket", le=le) for le in BUCKETS},
    }


def phase(before, after):
    """Updates between two scrapes: count, mean ms, how many took over the goal, p99 bucket bound."""
    count = after["count"] - before["count"]
    mean = (after["sum"] - before["sum"]) / count * 1000 if count else float("nan")
    within = {le: after["buckets"][le] - before["buckets"][le] for le in BUCKETS}
    over_goal = count - within["0.01"]
    p99 = next((le for le in BUCKETS if within[le] >= 0.99 * count), "+Inf") if count else "-"
    p99 = p99 if p99 == "+Inf" or p99 == "-" else f"{float(p99) * 1000:g} ms"
    return count, mean, over_goal, p99


def live_containers(samples):
    return int(metric_sum(samples, "portico_containers"))


def cold_starts(up, port, indices):
    """Cold-starts the servers one at a time: first request 503, then polls until 200.

    Returns the time from the first 503 to the first 200 of each, and for each the routing updates
    since the previous one (count, mean ms)."""
    latencies, steps = [], []
    previous = routing(up.metrics())
    for i in indices:
        host = f"main--{APP}--s{i:05d}.localhost"
        first = request(port, host)
        if first != 503:
            sys.exit(f"{host}: first request answered {first}, expected 503 (no container yet)")
        t = time.perf_counter()
        deadline = t + 60
        while request(port, host) != 200:
            if time.perf_counter() > deadline:
                sys.exit(f"{host}: no 200 within 60 s\n" + up.log_tail())
            time.sleep(0.005)
        latencies.append(time.perf_counter() - t)
        current = routing(up.metrics())
        steps.append(phase(previous, current)[:2])
        previous = current
    return latencies, steps


def wait_for_zero(up, timeout=120):
    deadline = time.time() + timeout
    while live_containers(up.metrics()) > 0 and time.time() < deadline:
        time.sleep(1)


def main():
    distribution()
    work = tempfile.mkdtemp(prefix="portico-scale-servers-")
    try:
        t = time.perf_counter()
        sources = {"scale.Base": BASE}
        sources.update({f"scale.S{i:05d}": server_source(i) for i in range(N)})
        jar = build_jar(work, "scale", sources)
        print(f"generated {N} @Server classes in {os.path.getsize(jar) / 1024:.0f} KiB"
              f" ({time.perf_counter() - t:.1f} s)", flush=True)
        run(jar)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(jar):
    load_start = os.getloadavg()
    with Portico("portico-scale-servers-") as up:
        port = up.proxy_port("us-east")
        time.sleep(2)
        rss_idle = up.rss_kib()
        start = routing(up.metrics())

        deploy1, _ = up.timed_cli("deploy", jar, "--name", APP)
        deploy2, _ = up.timed_cli("deploy", jar, "--name", APP)   # a second version of all N servers
        list_time, listing = up.timed_cli("server", "list", APP, "--json")
        servers = json.loads(listing.stdout)
        list_text_time, _ = up.timed_cli("server", "list")
        if len(servers) != N:
            sys.exit(f"server list shows {len(servers)} servers, not {N}")
        if any(s["ready"] or s["starting"] for s in servers):
            sys.exit("some servers have containers after the deploy (minContainers is 0)")

        # Idle with N servers at zero: what the tick (autoscaler + reconcile pass over N servers) costs.
        time.sleep(5)
        cpu0, t0 = up.cpu_seconds(), time.perf_counter()
        time.sleep(20)
        idle_cpu = (up.cpu_seconds() - cpu0) / (time.perf_counter() - t0)
        samples = up.metrics()
        rss_deployed = up.rss_kib()
        heap = metric_sum(samples, "jvm_memory_used_bytes", area="heap")
        threads, files = up.threads(), up.open_files()
        before = routing(samples)

        # Warm-up: the first tables with an endpoint run code the JVM has not run yet (measured apart).
        warm_cold, warm_steps = cold_starts(up, port, range(1, 1 + W))
        wait_for_zero(up)
        warm = routing(up.metrics())
        # Cold-start K servers spread over the app, one at a time: each publishes a table with N routes
        # when its container becomes ready, and another when it drains after the scaledown window.
        cold, steps = cold_starts(up, port, [round(i * (N - 1) / max(K - 1, 1)) for i in range(K)])
        wait_for_zero(up)
        samples = up.metrics()
        at_zero = live_containers(samples) == 0
        after = routing(samples)
        rss_after = up.rss_kib()
        servers = json.loads(up.cli("server", "list", APP, "--json").stdout)
        idle_servers = sum(1 for s in servers if s["ready"] == 0 and s["starting"] == 0 and s["draining"] == 0)

    deploy_updates = phase(start, before)
    warm_updates = phase(before, warm)
    cold_updates = phase(warm, after)
    ms = lambda seconds: seconds * 1000
    print(f"servers deployed:                    {N} in one app ({len(servers)} listed, {idle_servers} at zero containers)")
    print(f"portico deploy, version 1:           {deploy1:7.2f} s (CLI JVM start included)")
    print(f"portico deploy, version 2 (all N):   {deploy2:7.2f} s")
    print(f"portico server list --json:          {list_time:7.2f} s")
    print(f"portico server list (table):         {list_text_time:7.2f} s")
    print(f"up RSS: empty / {N} servers / after cold starts: {rss_idle / 1024:.0f} / {rss_deployed / 1024:.0f}"
          f" / {rss_after / 1024:.0f} MiB   (heap used {heap / 2**20:.0f} MiB, {threads} threads, {files} open files)")
    print(f"up CPU while idle with {N} servers:  {idle_cpu * 100:6.1f} % of one core (1 s autoscaler tick)")
    print(f"cold starts through the proxy:       median {ms(statistics.median(cold)):.0f} ms,"
          f" max {ms(max(cold)):.0f} ms ({K} servers)")
    print(f"back at zero containers:             {'yes' if at_zero else 'NO'}")
    print(f"routing-table updates ({N} routes each), build + publish:")
    for label, (count, mean, over, p99), by_step in (("2 deploys", deploy_updates, None),
                                                      (f"{W} warm-up cold starts", warm_updates, warm_steps),
                                                      (f"{K} cold starts", cold_updates, steps)):
        print(f"  {label + ':':24}{count:4.0f} updates, mean {mean:5.2f} ms, p99 <= {p99}, {over:.0f} over {GOAL_MS:.0f} ms")
        if by_step:
            print("    by cold start (updates since the previous one, count x mean ms): "
                  + " ".join(f"{c:.0f}x{m:.1f}" for c, m in by_step))
    print(f"routing-table update max:            {ms(after['max']):.2f} ms (any update of the last 2 minutes)")
    ok = at_zero and idle_servers == N and cold_updates[2] == 0
    print(f"load average, start / end:           {load_start[0]:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs;"
          f" other work on the machine inflates every wall time above)")
    print(f"goal (N servers idle at zero, every update of the cold starts < {GOAL_MS:.0f} ms):"
          f" {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
