#!/usr/bin/env bash
# JMH micro-benchmarks of the proxy's per-request steps and of one autoscaler tick (portico-bench).
#
# Usage: bench/jmh.sh [JMH ARGS...]       e.g. bench/jmh.sh AutoscalerTick     (a regexp of benchmarks)
#                                              bench/jmh.sh -h                  (JMH's options)
# Defaults (JMH_OPTS): 1 fork, 3 x 2 s warm-up, 5 x 2 s measurement; always average time and
# allocation per op (-prof gc: gc.alloc.rate.norm, in B/op), pinned to one CPU (BENCH_CPU, default 1).
# Builds portico-bench (and what it depends on) when its jar is missing. About 2.5 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$ROOT/portico-bench/target"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
CPU="${BENCH_CPU:-1}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"

built() {
    [[ -f "$MODULE/portico-bench.jar" ]] && compgen -G "$MODULE/lib/jmh-core-*.jar" > /dev/null
}
if ! built; then
    echo "building portico-bench ..." >&2
    (cd "$ROOT" && ./mvnw -q -DskipTests install)
fi

# Run from a private copy: others may rebuild the modules' jars in this tree while we run.
WORK="$(mktemp -d -t portico-jmh.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$MODULE/lib" "$WORK/lib"
cp "$MODULE/portico-bench.jar" "$WORK/lib/"
CP="$WORK/lib/*"

if [[ $# -eq 0 ]]; then
    set -- 'dev\.portico\.bench\..*'
fi
echo "JMH on CPU $CPU ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
# The forked JVM that measures inherits the CPU affinity; -jvmArgsAppend applies to it.
# shellcheck disable=SC2086
taskset -c "$CPU" "$JAVA" -cp "$CP" org.openjdk.jmh.Main $JMH_OPTS -prof gc \
    -jvmArgsAppend "-Xms1g -Xmx1g -XX:+UseParallelGC" \
    "$@"
