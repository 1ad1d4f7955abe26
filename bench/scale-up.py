#!/usr/bin/env python3
"""Autoscaler reaction to a load step, against a real `portico up`.

Deploys the bundled example, sets targetConcurrency = 1 and minContainers = 1 with
`portico server autoscaler`, then opens 4 requests that stay in flight (GET of a large file, the
JDK's lib/modules, never read, so the proxy's backpressure keeps them open). For each new container it reports, from the store's
own container events:
  reaction   = container recorded - load step   (what the autoscaler adds; goal: < 1 tick + 50 ms)
  start-up   = container ready - container recorded (launch + the process's own start-up)

Usage: bench/scale-up.py   (uses its own PORTICO_HOME and free ports)
"""
import os, socket, sqlite3, statistics, sys, time

sys.dont_write_bytecode = True   # no bench/__pycache__ in the checkout
from portico_bench import Portico

LOAD = 4
BIG_FILE = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "lib", "modules")


def main():
    up = Portico("portico-scale-", example=True).start()
    url = up.example_url
    if url is None:
        up.stop()
        sys.exit("portico up did not deploy the example")
    home = up.home
    port = int(url.rsplit(":", 1)[1])
    host = url.split("//")[1].rsplit(":", 1)[0]
    db = sqlite3.connect(f"{home}/state.db")
    sockets = []
    try:
        up.cli("server", "autoscaler", "hello", "hello", "--target-concurrency", "1", "--min-containers", "1")
        while ready_count(db) < 1:
            time.sleep(0.05)
        time.sleep(3)
        step = time.time()
        for _ in range(LOAD):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(f"GET {BIG_FILE} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            sockets.append(s)
        deadline = time.time() + 30
        while ready_count(db) < LOAD and time.time() < deadline:
            time.sleep(0.05)
        rows = db.execute("""
            SELECT c.id, c.created_at, MIN(e.at) FROM containers c JOIN container_events e
              ON e.container_id = c.id AND e.state = 'READY'
             WHERE c.created_at >= ? GROUP BY c.id ORDER BY c.created_at""", (int(step * 1000),)).fetchall()
    finally:
        for s in sockets:
            s.close()
        db.close()
        up.stop()
    if not rows:
        sys.exit("no container started after the load step")
    print(f"load step of {LOAD} in-flight requests, targetConcurrency 1: {len(rows)} new containers")
    print(f"{'container':16} {'reaction ms':>12} {'start-up ms':>12}")
    for cid, created, ready in rows:
        print(f"{cid:16} {created - step * 1000:12.0f} {ready - created:12.0f}")
    reactions = [created - step * 1000 for _, created, _ in rows]
    print(f"reaction: first {min(reactions):.0f} ms, median {statistics.median(reactions):.0f} ms,"
          f" last {max(reactions):.0f} ms (tick: 1000 ms)")


def ready_count(db):
    return db.execute("SELECT COUNT(*) FROM containers WHERE state = 'READY'").fetchone()[0]


if __name__ == "__main__":
    main()
