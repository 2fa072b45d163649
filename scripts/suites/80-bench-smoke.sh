#!/usr/bin/env bash
# The benchmark command still works end to end: a short run of bench/run
# (reference installed in its own venv, wrk against both servers) must
# print the comparison table with a figure in every cell. The figures of
# a one-second run mean nothing; docs/benchmarks.md keeps a real run.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require wrk
out="$VPM_WORK/bench-smoke.md"
"$VPM_ROOT/bench/run" --seconds 1 --connections 1,16 --starts 3 --skip-pipeline >"$out"
cat "$out" >&2
for row in "/healthz" "/metrics" "start to first 200" "idle RSS"; do
    grep -q -- "$row" "$out" || die "the benchmark table has no row for $row"
done
! grep -qiE "nan|n/a" "$out" || die "the benchmark table has an empty figure"
log "bench/run printed its table"
