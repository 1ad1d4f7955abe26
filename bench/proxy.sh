#!/usr/bin/env bash
# Proxy throughput and latency on loopback, measured with wrk, in one run so that ratios compare like
# with like (MACHINE-NOTES.md, "Load testing and baselines"):
#   direct   wrk -> backend (a 1-worker nginx answering "hello world!\n" from memory)
#   nginx    wrk -> nginx reverse proxy (1 worker, keep-alive upstream pool) -> backend
#   haproxy  wrk -> HAProxy (1 thread, http-reuse always) -> backend
#   portico  wrk -> Portico's proxy (dev.portico.bench.BenchProxy, one event loop) on its default
#            transport, io_uring (epoll where io_uring does not load) -> backend
#   epoll    the same proxy on epoll (PORTICO_PROXY_TRANSPORT=epoll), its fallback
# All proxies add X-Forwarded-For/-Proto/-Host, as Portico does. With BENCH_FLOOR=1, two references that
# are not proxies (dev.portico.bench.RelayProxy), to show what the toolkit under Portico costs by itself:
#   relay    Portico's transport, event loop and socket options relaying bytes, a backend connection per
#            client connection, nothing parsed or added
#   codec    the same with Netty's HTTP codecs on both sides, messages passed on unchanged
# Servers run on CPU 0, wrk on CPU 1.
# Portico's JVM gets WARMUP seconds of load first (64 connections), and 10 s at 1 connection right before
# the 1-connection rounds. Then, at 64 connections, ROUNDS rounds of DURATION seconds per target, and at
# 1 connection ONE_ROUNDS rounds of ONE_DURATION seconds, targets alternating (the order rotates each
# round); the median of the rounds is reported, with each round's req/s to show the noise. The added p50
# (a target's p50 minus the backend's) and each proxy's p50 minus nginx's are medians of the differences
# within each round.
# Why short rounds at 1 connection: there the proxies' p50s differ by microseconds, while the host's noise
# moves every p50 by 5 to 20 us for a minute or more at a time. 10 s rounds let one target's rounds
# land in a noisy minute and another's in a quiet one; 2 s rounds, alternating, give every target the
# same minutes, and the median over 15 of them follows the machine's usual state.
# Then two shapes where connections come and go, as they do in front of real clients:
#   churn  64 connections, a new one for every request on both sides: the client asks for
#          `Connection: close`, and the backend closes each connection it answers on /close.
#          CHURN_ROUNDS rounds of CHURN_DURATION s, after CHURN_WARMUP s of the same on each of
#          Portico's proxies: a JVM compiles the code that opens and closes connections only once
#          it has run often, which the keep-alive rounds above never make it do, and a proxy that
#          has served for a while has done so.
#   burst  BURST_PAUSE s without traffic, then 64 connections opened at once for 1 s, BURST_ROUNDS
#          times. The pause outlasts Portico's keep-alive with the backend (1.5 s, BackendPool), so
#          its burst opens new backend connections too; nginx and HAProxy keep theirs (300 s).
#
# Usage: bench/proxy.sh
# Environment: BENCH_DURATION (s, default 10), BENCH_ROUNDS (3), BENCH_ONE_DURATION (s, 2),
#   BENCH_ONE_ROUNDS (15), BENCH_WARMUP (s, 30), BENCH_CHURN_DURATION (s, 5), BENCH_CHURN_ROUNDS (3),
#   BENCH_CHURN_WARMUP (s, 20), BENCH_BURST_PAUSE (s, 3), BENCH_BURST_ROUNDS (5),
#   BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1), BENCH_EPOLL (1: also measure epoll; 0: not), BENCH_FLOOR (0; 1:
#   also measure relay and codec, about 5 minutes more), PORTICO_JAVA_OPTS (extra options for Portico's JVM,
#   e.g. -XX:StartFlightRecording=filename=/tmp/proxy.jfr), BENCH_KEEP=1 keeps the temporary directory.
# Installs nginx, haproxy and wrk with apt-get when missing; builds portico-bench when it is not built.
# Uses only 127.0.0.1 and free ports it picks; stops only the processes it started. About 11 minutes (8 with BENCH_EPOLL=0).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$ROOT/portico-bench/target"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
ONE_DURATION="${BENCH_ONE_DURATION:-2}"
ONE_ROUNDS="${BENCH_ONE_ROUNDS:-15}"
WARMUP="${BENCH_WARMUP:-30}"
CHURN_DURATION="${BENCH_CHURN_DURATION:-5}"
CHURN_ROUNDS="${BENCH_CHURN_ROUNDS:-3}"
CHURN_WARMUP="${BENCH_CHURN_WARMUP:-20}"
BURST_PAUSE="${BENCH_BURST_PAUSE:-3}"
BURST_ROUNDS="${BENCH_BURST_ROUNDS:-5}"
SERVER_CPU="${BENCH_SERVER_CPU:-0}"
CLIENT_CPU="${BENCH_CLIENT_CPU:-1}"
TARGETS=(direct nginx haproxy portico)
if [[ "${BENCH_EPOLL:-1}" == 1 ]]; then TARGETS+=(epoll); fi
if [[ "${BENCH_FLOOR:-0}" == 1 ]]; then TARGETS+=(relay codec); fi
PROXIES=("${TARGETS[@]:3}") # Portico's proxies (and the references), compared with nginx and HAProxy
PIDS=()
declare -A SERVER_PID # target -> the process that serves it (direct: the backend)

log() { echo "[proxy.sh] $*" >&2; }

# ---- tools ---------------------------------------------------------------------------------------

missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v ss >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    packages=("${missing[@]}")
    if [[ " ${missing[*]} " == *" nginx "* ]] && apt-cache show nginx-light >/dev/null 2>&1; then
        packages=("${packages[@]/#nginx/nginx-light}")
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"

# ---- Portico's proxy: build when needed, run from a private copy (others may rebuild jars meanwhile)

built() {
    [[ -f "$MODULE/portico-bench.jar" ]] && compgen -G "$MODULE/lib/jmh-core-*.jar" > /dev/null
}
if ! built; then
    log "building portico-bench ..."
    (cd "$ROOT" && ./mvnw -q -DskipTests install)
fi

TMP="$(mktemp -d -t portico-proxy-bench.XXXXXX)"

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -r "$MODULE/lib" "$TMP/lib"
cp "$MODULE/portico-bench.jar" "$TMP/lib/"
CP="$TMP/lib/*"

# ---- ports ---------------------------------------------------------------------------------------

CHOSEN=" "
free_port() {
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 12000)) # below the ephemeral range
        if [[ "$CHOSEN" != *" $port "* ]] && [[ -z "$(ss -Htan "( sport = :$port or dport = :$port )")" ]]; then
            CHOSEN="$CHOSEN$port "
            echo "$port"
            return
        fi
    done
    log "no free port found"
    exit 1
}
declare -A PORT
for t in "${TARGETS[@]}"; do PORT[$t]="$(free_port)"; done

# ---- servers -------------------------------------------------------------------------------------

nginx_conf() { # name, server block
    cat > "$TMP/$1.conf" <<EOF
master_process off;
daemon off;
worker_processes 1;
pid $TMP/$1.pid;
error_log $TMP/$1.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/$1-body;
    proxy_temp_path $TMP/$1-proxy;
    fastcgi_temp_path $TMP/$1-fastcgi;
    uwsgi_temp_path $TMP/$1-uwsgi;
    scgi_temp_path $TMP/$1-scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
$2
}
EOF
}

nginx_conf backend "
    server {
        listen 127.0.0.1:${PORT[direct]} backlog=4096;
        default_type text/plain;
        location / { return 200 \"hello world!\\n\"; }
        location = /close { keepalive_timeout 0; return 200 \"hello world!\\n\"; }
    }"
nginx_conf nginx "
    upstream backend {
        server 127.0.0.1:${PORT[direct]};
        keepalive 128;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]} backlog=4096;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
        }
    }"
cat > "$TMP/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
frontend portico_bench
    bind 127.0.0.1:${PORT[haproxy]}
    default_backend backend
backend backend
    http-reuse always
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    server backend 127.0.0.1:${PORT[direct]} maxconn 1000
EOF

start() { # name, command...
    local name="$1"
    shift
    taskset -c "$SERVER_CPU" "$@" > "$TMP/$name.out" 2>&1 &
    PIDS+=("$!")
    SERVER_PID[$name]=$!
}

start direct "$NGINX" -p "$TMP" -c "$TMP/backend.conf" -e "$TMP/backend.log"
start nginx "$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx.log"
start haproxy "$HAPROXY" -db -f "$TMP/haproxy.cfg"
# One event loop; Netty's leak detector off (it samples buffers outside tests otherwise); ParallelGC
# with a fixed heap and a large young generation: few, short collections, no concurrent GC threads.
# Heap and JIT code on transparent huge pages where the kernel offers them, as `portico up` runs.
huge_pages=()
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    huge_pages=(-XX:+UseTransparentHugePages)
fi
for t in "${PROXIES[@]}"; do
    transport=() # portico: the default, as shipped
    [[ "$t" == epoll ]] && transport=(-Dportico.proxy.transport=epoll)
    main=(dev.portico.bench.BenchProxy "${PORT[$t]}" "${PORT[direct]}" 1)
    [[ "$t" == relay || "$t" == codec ]] && main=(dev.portico.bench.RelayProxy "$t" "${PORT[$t]}" "${PORT[direct]}")
    # shellcheck disable=SC2086
    start "$t" "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms1g -Xmx1g -Xmn768m -XX:+AlwaysPreTouch "${huge_pages[@]}" \
        --enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled \
        "${transport[@]}" ${PORTICO_JAVA_OPTS:-} -cp "$CP" "${main[@]}"
done

url() { echo "http://127.0.0.1:${PORT[$1]}/"; }

for t in "${TARGETS[@]}"; do
    ok=0
    for _ in $(seq 150); do
        if [[ "$(curl -s --max-time 1 -H 'Host: bench.localhost' "$(url "$t")" 2>/dev/null)" == "hello world!" ]]; then
            ok=1
            break
        fi
        sleep 0.1
    done
    if ((!ok)); then
        log "$t does not answer on port ${PORT[$t]}; its output:"
        tail -n 20 "$TMP"/*.out "$TMP"/*.log 2>/dev/null >&2 || true
        exit 1
    fi
done
log "ports: $(for t in "${TARGETS[@]}"; do printf '%s %s  ' "$t" "${PORT[$t]}"; done)"

# ---- load ----------------------------------------------------------------------------------------

RESULTS="$TMP/results.tsv"
: > "$RESULTS"

to_ms() { # wrk latency (e.g. 51.00us, 1.20ms, 1.01s) in ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.4f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.4f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.4f", v * 60000 }
        else { sub(/s$/, "", v); printf "%.4f", v * 1000 } }'
}

CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, all threads

# run TARGET SHAPE SECONDS [ROUND]: SHAPE is 64 or 1 (connections, kept alive), churn or burst (64
# connections; see the top of this file); records a line in $RESULTS when ROUND is given
run() {
    local target="$1" shape="$2" seconds="$3" connections=64 path=/ close=() out ticks
    case "$shape" in
        1) connections=1 ;;
        churn) path=/close close=(-H 'Connection: close') ;;
    esac
    ticks="$(cpu_ticks "${SERVER_PID[$target]}")"
    out="$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$connections" -d"${seconds}s" --latency \
        -H 'Host: bench.localhost' "${close[@]}" "$(url "$target")${path#/}")"
    ticks=$(($(cpu_ticks "${SERVER_PID[$target]}") - ticks))
    if grep -qE 'Non-2xx|Socket errors' <<< "$out"; then
        log "$target, $shape: $(grep -E 'Non-2xx|Socket errors' <<< "$out" | tr -s ' ')"
    fi
    if [[ $# -ge 4 ]]; then
        local rps p50 p99 cpu
        rps="$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")"
        # CPU time of the serving process (the proxy itself, not the backend) per request, in µs
        cpu="$(awk -v t="$ticks" -v hz="$CLK_TCK" '/requests in/ { printf "%.2f", t * 1e6 / hz / $1 }' <<< "$out")"
        p50="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<< "$out")")"
        p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<< "$out")")"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$target" "$4" "$rps" "$p50" "$p99" "$cpu" >> "$RESULTS"
        log "$(printf '%-5s round %-2s %-8s %10.0f req/s  p50 %.3f ms  p99 %.3f ms  CPU %.1f us/req' \
            "$shape" "$4" "$target" "$rps" "$p50" "$p99" "$cpu")"
    fi
}

# rounds SHAPE ROUNDS SECONDS [PAUSE]: every target once per round, the order rotating each round,
# after PAUSE seconds without traffic when given
rounds() {
    local shape="$1" rounds="$2" seconds="$3" pause="${4:-}" round i t
    for round in $(seq "$rounds"); do
        for i in "${!TARGETS[@]}"; do
            t="${TARGETS[$(((i + round - 1) % ${#TARGETS[@]}))]}"
            if [[ -n "$pause" ]]; then sleep "$pause"; fi
            run "$t" "$shape" "$seconds" "$round"
        done
    done
}

log "warm-up: ${WARMUP} s on each of Portico's proxies (JIT), 2 s on each of the others"
for t in "${PROXIES[@]}"; do run "$t" 64 "$WARMUP"; done
for t in direct nginx haproxy; do run "$t" 64 2; done

started=$SECONDS
rounds 64 "$ROUNDS" "$DURATION"
# Right before the 1-connection rounds: the JIT re-profiles for one connection after the 64-connection
# rounds (seen with -XX:+PrintCompilation), which otherwise lands in the first round measured.
for t in "${PROXIES[@]}"; do run "$t" 1 10; done
rounds 1 "$ONE_ROUNDS" "$ONE_DURATION"
log "warm-up: ${CHURN_WARMUP} s of a new connection per request on each of Portico's proxies (JIT)"
for t in "${PROXIES[@]}"; do run "$t" churn "$CHURN_WARMUP"; done
rounds churn "$CHURN_ROUNDS" "$CHURN_DURATION"
rounds burst "$BURST_ROUNDS" 1 "$BURST_PAUSE"
log "measured for $((SECONDS - started)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report --------------------------------------------------------------------------------------

cpus="$(nproc)"
echo
echo "Loopback, fixed 13-byte response; servers on CPU $SERVER_CPU, wrk (1 thread) on CPU $CLIENT_CPU; $cpus CPUs."
echo "Medians of $ROUNDS rounds x ${DURATION} s per target at 64 connections, of $ONE_ROUNDS rounds x ${ONE_DURATION} s at 1,"
echo "of $CHURN_ROUNDS x ${CHURN_DURATION} s of churn, of $BURST_ROUNDS bursts (req/s of each round in brackets). CPU: user +"
echo "system time of the serving process per request (the proxy alone; for direct, the backend), less"
echo "sensitive to other load on the machine than req/s."
awk -F'\t' -v targets="${TARGETS[*]}" -v proxies="${PROXIES[*]}" -v pause="$BURST_PAUSE" '
    function median(list,   a, n, i, j, x) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function pairedMedian(c, target, baseline,   r, diffs) {
        diffs = ""
        for (r = 1; r <= nrounds[c]; r++) diffs = diffs " " (roundP50[c, r, target] - roundP50[c, r, baseline])
        return median(diffs)
    }
    { key = $1 SUBSEP $2; rps[key] = rps[key] " " $4; p50[key] = p50[key] " " $5; p99[key] = p99[key] " " $6
      cpu[key] = cpu[key] " " $7; shapes[$1] = 1; roundP50[$1, $3, $2] = $5; if ($3 > nrounds[$1]) nrounds[$1] = $3 }
    END {
        nt = split(targets, t, " ")
        title["64"] = "64 connections"
        title["1"] = "1 connection"
        title["churn"] = "64 connections, a new one for every request (client and backend side)"
        title["burst"] = "64 connections opened at once after " pause " s without traffic, for 1 s"
        ns = split("64 1 churn burst", order, " ")
        for (o = 1; o <= ns; o++) {
            c = order[o]
            if (!(c in shapes)) continue
            printf "\n%s\n", title[c]
            printf "  %-8s %10s %9s %9s %12s   %s\n", "target", "req/s", "p50 ms", "p99 ms", "CPU us/req", "rounds (req/s)"
            for (i = 1; i <= nt; i++) {
                k = c SUBSEP t[i]
                R[t[i]] = median(rps[k]); P50[t[i]] = median(p50[k]); P99[t[i]] = median(p99[k]); C[t[i]] = median(cpu[k])
                rounds = ""
                n = split(rps[k], a, " ")
                for (j = 1; j <= n; j++) rounds = rounds sprintf("%s%.0f", j > 1 ? ", " : "", a[j])
                printf "  %-8s %10.0f %9.3f %9.3f %12.1f   [%s]\n", t[i], R[t[i]], P50[t[i]], P99[t[i]], C[t[i]], rounds
            }
            np = split(proxies, p, " ")
            for (i = 1; i <= np; i++) {
                printf "  %-7s throughput /nginx %.2f  /haproxy %.2f   CPU per request /nginx %.2f  /haproxy %.2f   p99 /nginx %.2f\n",
                    p[i], R[p[i]] / R["nginx"], R[p[i]] / R["haproxy"], C[p[i]] / C["nginx"], C[p[i]] / C["haproxy"],
                    P99[p[i]] / P99["nginx"]
            }
            printf "  nginx/direct throughput %.2f\n", R["nginx"] / R["direct"]
            # Both differences are taken round by round, between measurements seconds apart, then the median.
            printf "  added p50 (target p50 - direct p50):"
            for (i = 2; i <= nt; i++) printf "  %s %+.0f us", t[i], pairedMedian(c, t[i], "direct") * 1000
            printf "\n  p50 - nginx p50:"
            for (i = 3; i <= nt; i++) printf "  %s %+.0f us", t[i], pairedMedian(c, t[i], "nginx") * 1000
            printf "\n"
        }
    }' "$RESULTS"
