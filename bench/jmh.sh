#!/usr/bin/env bash
# JMH micro-benchmarks of the proxy's per-request steps and of one autoscaler tick (portico-bench).
#
# Usage: bench/jmh.sh [JMH ARGS...]       e.g. bench/jmh.sh AutoscalerTick     (a regexp of benchmarks)
#                                              bench/jmh.sh -h                  (JMH's options)
# Defaults: 1 fork, 3 x 2 s warm-up, 5 x 2 s measurement, average time and allocation per op
# (-prof gc: see gc.alloc.rate.norm, in B/op), pinned to one CPU (BENCH_CPU, default 1).
# Builds portico-bench (and what it depends on) when its classes are missing. About 4 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$ROOT/portico-bench/target"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
CPU="${BENCH_CPU:-1}"

classpath_ok() {
    [[ -f "$MODULE/classes/META-INF/BenchmarkList" && -f "$MODULE/classpath.txt" ]] || return 1
    local entry
    while IFS= read -r entry; do [[ -e "$entry" ]] || return 1; done < <(tr ':' '\n' < "$MODULE/classpath.txt")
}
if ! classpath_ok; then
    echo "building portico-bench ..." >&2
    (cd "$ROOT" && ./mvnw -q -DskipTests install)
fi

# Run from a private copy: others may rebuild the modules' jars in this tree while we run.
WORK="$(mktemp -d -t portico-jmh.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lib"
cp -r "$MODULE/classes" "$WORK/classes"
CP="$WORK/classes"
while IFS= read -r entry; do
    cp "$entry" "$WORK/lib/"
    CP="$CP:$WORK/lib/$(basename "$entry")"
done < <(tr ':' '\n' < "$MODULE/classpath.txt")

if [[ $# -eq 0 ]]; then
    set -- 'dev\.portico\.bench\..*'
fi
echo "JMH on CPU $CPU ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
# The forked JVM that measures inherits the CPU affinity; -jvmArgsAppend applies to it.
taskset -c "$CPU" "$JAVA" -cp "$CP" org.openjdk.jmh.Main \
    -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc \
    -jvmArgsAppend "-Xms1g -Xmx1g -XX:+UseParallelGC" \
    "$@"
