#!/usr/bin/env bash
# Measures what one cell costs a Kubernetes node: resident memory idle and
# under load, CPU per thousand requests, and the load one core sustains. The
# figures size the `resources` of deploy/components/knative-cell (see
# docs/deploy.md, "Resources").
#
#   bench/deploy-footprint.sh            all four cells, 5 s per load step
#   DURATION=10 bench/deploy-footprint.sh
#
# Needs wrk (scripts/deps/apt.txt) and the release binaries in $VPM_BIN_DIR.
# Load goes to 127.0.0.1 only, for a bounded time, and every process started
# here is stopped before it exits.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
require wrk curl
DURATION="${DURATION:-5}"
cells=(curator planner synthesizer archivist)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$2/status"; }
# CPU time (user + system) of a process, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# load PID PORT CONNECTIONS PATH: one wrk run; prints "rps p50 p99 cpu_ms_per_1k rss_kib hwm_kib".
load() {
    local pid="$1" port="$2" conns="$3" path="$4" t0 t1 out rps reqs p50 p99
    t0=$(ticks "$pid")
    out=$(wrk -t1 -c"$conns" -d"${DURATION}s" --latency "http://127.0.0.1:$port$path")
    t1=$(ticks "$pid")
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
    reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    awk -v r="$rps" -v p50="$p50" -v p99="$p99" -v dt=$((t1 - t0)) -v hz="$hz" -v n="$reqs" \
        -v rss="$(kib VmRSS "$pid")" -v hwm="$(kib VmHWM "$pid")" \
        'BEGIN { printf "%s %s %s %.1f %d %d\n", r, p50, p99, (dt * 1000 / hz) / (n / 1000), rss, hwm }'
}

echo "| cell | load | req/s | p50 | p99 | CPU ms / 1k req | RSS after (MiB) | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for cell in "${cells[@]}"; do
    port=$(free_port)
    PORT=$port VPM_DEBUG_ROUTES=true VPM_LOG=warn "$VPM_BIN_DIR/$cell" >/dev/null &
    pid=$!
    pids+=("$pid")
    wait_http "http://127.0.0.1:$port/readyz" 10
    sleep 1
    printf '| %s | idle | | | | | %.1f | %.1f |\n' "$cell" \
        "$(awk -v k="$(kib VmRSS "$pid")" 'BEGIN{print k/1024}')" \
        "$(awk -v k="$(kib VmHWM "$pid")" 'BEGIN{print k/1024}')"
    # GET / through every layer (metrics, tracing, routing); 64 connections.
    # The debug sleep holds 256 requests in flight at once: memory per
    # concurrent request, which is what containerConcurrency multiplies.
    for step in "64 /" "256 /v1/debug/sleep/20" "16 /metrics"; do
        read -r conns path <<<"$step"
        read -r rps p50 p99 cpu rss hwm < <(load "$pid" "$port" "$conns" "$path")
        printf '| %s | %s × `%s` | %s | %s | %s | %s | %.1f | %.1f |\n' "$cell" "$conns" "$path" \
            "$rps" "$p50" "$p99" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
            "$(awk -v k="$hwm" 'BEGIN{print k/1024}')"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo
echo "_${DURATION} s per load step, wrk -t1 on the same $(nproc)-core machine (it takes one core), $(date -u +%Y-%m-%d)._"
