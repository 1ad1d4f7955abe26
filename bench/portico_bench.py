"""Shared start-up code of the benchmarks in bench/: a `portico up` of their own, its CLI and its metrics.

    from portico_bench import Portico
    with Portico("portico-soak-") as up:          # own PORTICO_HOME, free ports, stopped and removed on exit
        up.cli("deploy", jar, "--name", "app")    # the CLI against this platform
        up.metrics()                              # /metrics of the API, parsed
        up.rss_kib()

Not a benchmark itself. Every process it starts it stops by PID (SIGTERM, then SIGKILL after 60 s);
the home directory it creates is removed on exit (kept, with its `up.log`, when PORTICO_BENCH_KEEP=1).

The platform and the CLI run from a private copy of the built distribution and of the `portico`
script, made once per benchmark run after building the checkout if its sources changed: rebuilds of
the checkout during a run (other work in the same tree) neither replace jars under a running JVM nor
add a build to a timed CLI command.
"""
import atexit, os, re, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
DIST = "portico-cli/target/portico"          # the distribution, relative to a checkout (or to the copy)
_copy = None


def distribution():
    """The root of the private copy: `portico` and portico-cli/target/portico/ (lib, examples, cli.aot)."""
    global _copy
    if _copy is None:
        ensure_built()
        root = tempfile.mkdtemp(prefix="portico-bench-dist-")
        atexit.register(shutil.rmtree, root, True)
        shutil.copy2(f"{ROOT}/portico", root)
        shutil.copytree(f"{ROOT}/{DIST}", f"{root}/{DIST}", symlinks=True,
                        ignore=shutil.ignore_patterns("*.lock", "*.tmp", "*.config"))
        _copy = root
    return _copy


def portico_command():
    return f"{distribution()}/portico"


def sdk_jar():
    return f"{distribution()}/{DIST}/lib/portico-sdk-0.1.0-SNAPSHOT.jar"


def example_jar():
    return f"{distribution()}/{DIST}/examples/hello.jar"


class Portico:
    """A `portico up` with its own home and free ports (API and proxies), for one benchmark run."""

    def __init__(self, prefix="portico-bench-", example=False, args=()):
        self.home = tempfile.mkdtemp(prefix=prefix)
        self.env = dict(os.environ, PORTICO_HOME=self.home, JAVA_HOME=JAVA_HOME)
        self.env.pop("PORTICO_URL", None)
        self.example = example
        self.args = list(args)
        self.process = None
        self.api_url = None
        self.proxy_ports = {}      # routing region -> port
        self.example_url = None    # with example=True: the example's URL
        self.output = []           # stdout lines of `up` (its log goes to up.log in the home)

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self):
        """Starts `portico up` from the copy of the distribution and waits until it serves."""
        command = [portico_command(), "up", "--home", self.home, "--api-port", "0", "--proxy-port", "0"] + self.args
        if self.example:
            command.append("--example")
        self.log_path = os.path.join(self.home, "up.log")
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log_file, text=True, env=self.env)
        try:
            self._await_start()
        except BaseException:
            self.stop()
            raise
        return self

    def _await_start(self, timeout=300):
        started = threading.Event()
        # A start that hangs is ended: SIGTERM to `up`, which closes its output.
        watchdog = threading.Timer(timeout, lambda: started.is_set() or self.process.terminate())
        watchdog.daemon = True
        watchdog.start()
        for line in self.process.stdout:
            self.output.append(line)
            m = re.search(r"API\s+(http://\S+)", line)
            if m:
                self.api_url = m.group(1)
            if line.strip().startswith("proxies"):
                self.proxy_ports = {r: int(p) for r, p in re.findall(r"([a-z]+-[a-z]+) :(\d+)", line)}
            m = re.search(r"Try: curl (http://\S+)/", line)
            if m:
                self.example_url = m.group(1)
            if "Press Ctrl-C" in line:
                started.set()
                break
        watchdog.cancel()
        if self.api_url is None or not self.proxy_ports or "Press Ctrl-C" not in "".join(self.output[-1:]):
            sys.exit("portico up did not start:\n" + "".join(self.output) + self.log_tail())   # start() stops it
        # Keep draining stdout so that `up` never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        self._train_cli()

    def _train_cli(self):
        """Makes the CLI's AOT cache in the copy when it has none, before anything is timed.

        Without it the `portico` script starts its training run (a read-only `app list`) in the
        background on the first CLI command, which would add its CPU to the first measurements and
        leave those commands without the cache. Trained against this platform, so that the run succeeds.
        """
        cache = f"{distribution()}/{DIST}/cli.aot"
        if os.path.exists(cache):
            return
        self.cli("app", "list")
        deadline = time.time() + 180
        while os.path.exists(cache + ".lock") and time.time() < deadline:
            time.sleep(0.2)
        if not os.path.exists(cache):
            print("warning: no CLI AOT cache; CLI commands start slower", file=sys.stderr)

    def _drain(self):
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self, remove=True):
        """SIGTERM to `up` (containers get theirs), SIGKILL if it is not gone after 60 s; removes the home."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log_file", None):
            self.log_file.close()
        if remove and os.environ.get("PORTICO_BENCH_KEEP") != "1":
            shutil.rmtree(self.home, ignore_errors=True)
        elif remove:
            print(f"(kept {self.home})", file=sys.stderr)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def pid(self):
        """The `up` JVM: the `portico` script execs java, so its PID is the JVM's."""
        return self.process.pid

    def log_tail(self, lines=30):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # ---- the CLI ----------------------------------------------------------------------------------

    def cli(self, *args, check=True, timeout=600):
        """Runs `portico ARGS` against this platform; returns the CompletedProcess (stdout and stderr captured)."""
        result = subprocess.run([portico_command(), *map(str, args)], env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"portico {' '.join(map(str, args))} failed ({result.returncode}):"
                               f" {result.stderr.strip() or result.stdout.strip()}")
        return result

    def timed_cli(self, *args, **kwargs):
        """(seconds, CompletedProcess) of a CLI command, its JVM start included."""
        t = time.perf_counter()
        result = self.cli(*args, **kwargs)
        return time.perf_counter() - t, result

    def proxy_port(self, region="us-east"):
        return self.proxy_ports[region]

    # ---- metrics ----------------------------------------------------------------------------------

    def metrics_text(self):
        with urllib.request.urlopen(self.api_url + "/metrics", timeout=30) as response:
            return response.read().decode()

    def metrics(self):
        """Prometheus text of the API's /metrics as {(name, frozenset(labels)): value}."""
        return parse_metrics(self.metrics_text())

    def rss_kib(self):
        return proc_status(self.pid, "VmRSS")

    def threads(self):
        return proc_status(self.pid, "Threads")

    def open_files(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def cpu_seconds(self):
        """User + system CPU time of `up` so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m:
            labels = frozenset(_LABEL.findall(m.group(2) or ""))
            try:
                samples[(m.group(1), labels)] = float(m.group(3))
            except ValueError:
                pass
    return samples


def metric_sum(samples, name, **labels):
    """Sum of a metric's samples whose labels include the given ones."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def metric_max(samples, name, **labels):
    wanted = set(labels.items())
    values = [v for (n, ls), v in samples.items() if n == name and wanted <= ls]
    return max(values) if values else float("nan")


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+)", f.read(), re.M).group(1))


# ---- building apps --------------------------------------------------------------------------------

def build_jar(directory, name, sources):
    """Compiles {qualified class name: source} against the SDK (like a user's build) and jars the classes."""
    src = os.path.join(directory, name + "-src")
    classes = os.path.join(directory, name + "-classes")
    files = []
    for class_name, text in sources.items():
        path = os.path.join(src, class_name.replace(".", "/") + ".java")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        files.append(path)
    listing = os.path.join(directory, name + "-sources.txt")
    with open(listing, "w") as f:
        f.write("\n".join(files))
    os.makedirs(classes, exist_ok=True)
    subprocess.run([f"{JAVA_HOME}/bin/javac", "-d", classes, "-cp", sdk_jar(), "--release", "25", "-proc:none",
                    "-J-XX:+UseSerialGC", f"@{listing}"], check=True)
    jar = os.path.join(directory, name + ".jar")
    subprocess.run([f"{JAVA_HOME}/bin/jar", "--create", "--file", jar, "-C", classes, "."], check=True)
    return jar


def ensure_built():
    """Builds the checkout's distribution when its sources are newer than it, through the `portico`
    script's `--build-only` (a client command would also start the script's CLI-cache training in the
    checkout, which runs `app list` against whatever platform the default home names).
    """
    if not stale():
        return
    built = subprocess.run([f"{ROOT}/portico", "--build-only"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=dict(os.environ, JAVA_HOME=JAVA_HOME))
    if stale():
        if not os.path.exists(f"{ROOT}/{DIST}/.built"):
            sys.exit("building Portico failed:\n" + built.stderr[-4000:])
        print("warning: rebuilding the checkout failed; using the distribution built before:\n"
              + built.stderr[-1000:], file=sys.stderr)


def stale():
    """The `portico` script's rule: no build stamp, or a pom or a file under src/main newer than it."""
    stamp = f"{ROOT}/{DIST}/.built"
    if not os.path.exists(stamp):
        return True
    built = os.path.getmtime(stamp)
    modules = [m for m in os.listdir(ROOT) if m.startswith("portico-")]
    paths = [f"{ROOT}/pom.xml"] + [f"{ROOT}/{m}/pom.xml" for m in modules]
    for m in modules:
        for directory, _, files in os.walk(f"{ROOT}/{m}/src/main"):
            paths.append(directory)
            paths.extend(os.path.join(directory, f) for f in files)
    return any(os.path.exists(p) and os.path.getmtime(p) > built for p in paths)
