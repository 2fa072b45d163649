#!/usr/bin/env bash
# Image sizes and start times, as a Markdown table:
#   - per cell and architecture: the image's compressed size (what a node
#     pulls: manifest + config + gzip layers) and uncompressed size (its files),
#     read from the OCI archives scripts/build-images writes;
#   - the binary's start-to-first-200 (exec until GET /healthz answers 200),
#     median of RUNS starts, each in a fresh empty working directory; arm64 runs
#     under qemu-user emulation here, so its time is the emulator's, not a real
#     arm64 machine's;
#   - the original stack's reference: FastAPI 0.110.0 + uvicorn 0.29.0 on this
#     machine's CPython 3.11, same measurement (bench/reference/, the same app bench/run measures).
#
#   bench/images.sh            RUNS=30 binary starts, PY_RUNS=10 Python starts
#   RUNS=100 bench/images.sh
#   BUILD=1 bench/images.sh    rebuild the images first
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VPM_ROOT"
require python3 curl

runs="${RUNS:-30}"
py_runs="${PY_RUNS:-10}"
idle_runs="${IDLE_RUNS:-3}"
out="$VPM_WORK/images"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"

# The archives scripts/build-images wrote; built first if any is missing
# (BUILD=1 rebuilds them regardless).
for cell in curator planner synthesizer archivist; do
    if [ "${BUILD:-0}" = 1 ] || [ ! -f "$out/$cell-$version.oci.tar" ]; then
        "$VPM_ROOT/scripts/build-images" >&2
        break
    fi
done

# The Python reference, in its own venv (not the project's tools venv).
pyref="$VPM_WORK/bench-venv"
req="$VPM_ROOT/bench/reference/requirements.txt"
if [ ! -x "$pyref/bin/uvicorn" ] || ! cmp -s "$req" "$pyref/.requirements.txt"; then
    log "installing the Python reference (FastAPI 0.110.0, uvicorn 0.29.0) in $pyref"
    python3 -m venv "$pyref"
    "$pyref/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$pyref/.requirements.txt"
fi

start() { python3 "$VPM_ROOT/bench/start_to_first_200.py" --runs "$1" -- "${@:2}"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
kib_range() { python3 -c 'import json,sys; lo, hi = json.loads(sys.argv[1])[sys.argv[2]]; print(f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}")' "$1" "$2"; }
mib() { python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1048576:.2f}")' "$1"; }

log "measuring (binary starts: $runs each; Python starts: $py_runs)"
rows=()
max_uncompressed=0
worst_start=0
max_idle=0
max_idle_cell=""
for cell in curator planner synthesizer archivist; do
    for arch in amd64 arm64; do
        d="$("$VPM_ROOT/scripts/oci-image" describe "$out/$cell-$version.oci.tar" "$arch")"
        c="$(field "$d" compressed_bytes)"
        u="$(field "$d" uncompressed_bytes)"
        (( u > max_uncompressed )) && max_uncompressed=$u
        s="$(start "$runs" "$out/context/$arch/$cell")"
        median="$(field "$s" median_ms)"
        if [ "$arch" = amd64 ]; then
            worst_start="$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$worst_start" "$median")"
        fi
        emulated=""; [ "$arch" = arm64 ] && emulated=" (qemu)"
        idle="— (qemu)"
        if [ "$arch" = amd64 ]; then
            m="$(python3 "$VPM_ROOT/bench/start_to_first_200.py" --runs "$idle_runs" --idle-rss -- "$out/context/$arch/$cell")"
            idle="$(kib_range "$m" VmRSS_kib) ($(kib_range "$m" RssAnon_kib))"
            hi="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["VmRSS_kib"][1])' "$m")"
            if (( hi > max_idle )); then max_idle=$hi; max_idle_cell=$cell; fi
        fi
        rows+=("| $cell | linux/$arch | $(mib "$c") | $(mib "$u") | $median$emulated | $(field "$s" p90_ms) | $idle |")
    done
done

py="$(start "$py_runs" "$pyref/bin/python" -m uvicorn --app-dir "$VPM_ROOT/bench/reference" app:app --host 127.0.0.1 --port '{port}' --log-level warning)"
py_median="$(field "$py" median_ms)"
site="$("$pyref/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
py_deps_bytes="$(du -sb "$site" | cut -f1)"

cat <<EOF

## vpm cell images $version (measured $(date -u +%Y-%m-%d), $(nproc) cores)

| image | platform | compressed MiB | uncompressed MiB | start-to-first-200 median ms | p90 ms | idle VmRSS kB (anonymous) |
|---|---|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")
| reference: FastAPI 0.110.0 + uvicorn 0.29.0, CPython $("$pyref/bin/python" -c 'import platform; print(platform.python_version())') | linux/amd64 | — | its venv's site-packages (FastAPI stack + pip), before any interpreter or OS: $(mib "$py_deps_bytes") | $py_median | $(field "$py" p90_ms) | |

- Largest image, uncompressed: $(mib "$max_uncompressed") MiB (goal: under 10 MB).
- Largest amd64 idle VmRSS: $(python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$max_idle") kB, the $max_idle_cell (goal: under 10 MiB, 10,240 kB).
- Slowest amd64 start-to-first-200 median: $worst_start ms (goal: under 10 ms);
  the FastAPI reference takes $(python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.0f}")' "$py_median" "$worst_start")× as long.
- python:3.11-slim itself (the original images' base, without FastAPI) is
  "well over 100 MB" (issue 3; docs/images.md says why no figure is quoted);
  against 100 MB the largest image here is $(python3 -c 'import sys; print(f"{100e6 / float(sys.argv[1]):.0f}")' "$max_uncompressed")× smaller.
EOF
