#!/usr/bin/env bash
# Throughput of GET /healthz (or ROUTE) under concurrent load (wrk), per binary: the
# check that the static musl build (mimalloc, crates/cell/src/lib.rs)
# keeps up with the glibc build. Prints a Markdown table.
#
#   bench/allocator.sh                        glibc (target/release/curator) vs
#                                             the image's musl binary (amd64)
#   bench/allocator.sh LABEL=BINARY ...       any binaries of one cell
#   ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 ROUTE=/metrics bench/allocator.sh
#
# The binaries run one at a time, in interleaved rounds, so a busy machine
# slows each of them alike; the table shows every round and the median.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VPM_ROOT"
require wrk curl python3

rounds="${ROUNDS:-3}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
route="${ROUTE:-/healthz}"
if [ $# -eq 0 ]; then
    set -- "glibc=$VPM_BIN_DIR/curator" "musl+mimalloc=$VPM_WORK/images/context/amd64/curator"
fi
labels=()
declare -A binary results
for spec in "$@"; do
    label="${spec%%=*}"
    binary[$label]="$(realpath "${spec#*=}")"
    [ -x "${binary[$label]}" ] || die "$label: ${binary[$label]} is not an executable (build it first)"
    labels+=("$label")
    results[$label]=""
done

# one LABEL: start the binary, load it, stop it; prints requests/s and p99.
one() {
    local label="$1" port dir pid report ticks
    port="$(free_port)"
    dir="$(mktemp -d)"
    (cd "$dir" && PORT="$port" VPM_HOST=127.0.0.1 exec "${binary[$label]}" >/dev/null 2>&1) &
    pid=$!
    wait_http "http://127.0.0.1:$port/healthz" 30
    report="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$route")"
    # The server's own CPU time (user + system, in clock ticks): unlike
    # requests/s, CPU per request hardly moves when other work shares the cores.
    ticks="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    kill -TERM "$pid"
    wait "$pid" || true
    rm -rf "$dir"
    python3 - "$report" "$ticks" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
r, ticks, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rps = re.search(r"Requests/sec:\s+([\d.]+)", r).group(1)
requests = int(re.search(r"(\d+) requests in", r).group(1))
p99 = re.search(r"99%\s+([\d.]+\w+)", r).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", r)
cpu_us = ticks / hz * 1e6 / max(requests, 1)
print(f"{float(rps):.0f} {p99} {errors.group(1) if errors else 0} {cpu_us:.1f}")
EOF
}

for round in $(seq "$rounds"); do
    for label in "${labels[@]}"; do
        log "round $round: $label"
        results[$label]+="$(one "$label");"
    done
done

printf '\n## GET %s throughput: wrk -t%s -c%s -d%s, %s rounds, %s cores\n\n' \
    "$route" "$threads" "$connections" "$duration" "$rounds" "$(nproc)"
printf '| binary | requests/s per round | median requests/s | p99 latency per round | server CPU µs/request per round | median CPU µs/request | non-2xx |\n|---|---|---:|---|---|---:|---:|\n'
for label in "${labels[@]}"; do
    python3 - "$label" "${results[$label]}" <<'EOF'
import statistics, sys
label, raw = sys.argv[1], sys.argv[2]
runs = [r.split() for r in raw.strip(";").split(";")]
rps = [int(r[0]) for r in runs]
cpu = [float(r[3]) for r in runs]
print(f"| {label} | {', '.join(map(str, rps))} | {statistics.median(rps):.0f} | "
      f"{', '.join(r[1] for r in runs)} | {', '.join(f'{c:.1f}' for c in cpu)} | "
      f"{statistics.median(cpu):.1f} | {sum(int(r[2]) for r in runs)} |")
EOF
done
