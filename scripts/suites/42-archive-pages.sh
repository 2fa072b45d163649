#!/usr/bin/env bash
# The archivist's bookmarkable project pages in a real browser.
#
# Starts `vpm up` (all four cells, a fresh archive), runs the example project
# through them twice (as of 2026-11-16, then as of project.yaml's
# 2026-11-23) and a hostile copy whose Next 3 has a task titled
# <script>alert(1)</script>, then drives headless Debian Chromium through
# scripts/browser/archive-pages.mjs against the real archivist. Artifact:
# .work/artifacts/archive-project.png. About 15 s once npm's cache is warm.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require node npm chromium curl python3

deps="$VPM_WORK/browser"
artifacts="$VPM_WORK/artifacts"
mkdir -p "$deps" "$artifacts"
lock="$VPM_ROOT/scripts/browser/package-lock.json"
stamp="$deps/.lock.sha256"
if [ ! -d "$deps/node_modules/playwright-core" ] || [ "$(sha256sum "$lock" | cut -d' ' -f1)" != "$(cat "$stamp" 2>/dev/null)" ]; then
    log "npm ci playwright-core into $deps"
    cp "$VPM_ROOT/scripts/browser/package.json" "$lock" "$deps/"
    (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error)
    sha256sum "$lock" | cut -d' ' -f1 > "$stamp"
fi

run="$(mktemp -d "$VPM_WORK/archive-pages.XXXXXX")"
ports=($(free_port) $(free_port) $(free_port) $(free_port))
(cd "$run" && VPM_DATA_DIR="$run/data" exec "$VPM_BIN_DIR/vpm" up \
    --curator-port "${ports[0]}" --planner-port "${ports[1]}" \
    --synthesizer-port "${ports[2]}" --archivist-port "${ports[3]}") > "$run/vpm-up.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for p in "${ports[@]}"; do wait_http "http://127.0.0.1:$p/healthz"; done

export VPM_CURATOR_URL="http://127.0.0.1:${ports[0]}" VPM_PLANNER_URL="http://127.0.0.1:${ports[1]}"
export VPM_SYNTHESIZER_URL="http://127.0.0.1:${ports[2]}" VPM_ARCHIVIST_URL="http://127.0.0.1:${ports[3]}"

"$VPM_BIN_DIR/vpm" snapshot "$VPM_ROOT/examples/lantern" --as-of 2026-11-16 > /dev/null
"$VPM_BIN_DIR/vpm" snapshot "$VPM_ROOT/examples/lantern" > /dev/null

# A copy of the example whose most urgent task's title is markup.
hostile="$run/hostile"
cp -r "$VPM_ROOT/examples/lantern" "$hostile"
python3 - "$hostile" <<'PY'
import re, sys
root = sys.argv[1]
project = open(f"{root}/project.yaml", encoding="utf-8").read()
open(f"{root}/project.yaml", "w", encoding="utf-8").write(
    re.sub(r"(?m)^id: .*$", "id: hostile-lantern", project, count=1))
tasks = open(f"{root}/tasks.yaml", encoding="utf-8").read()
tasks, n = re.subn(r"(?m)^(\s*title: )CRDT merge for shared notebooks$", r"\1'<script>alert(1)</script>'", tasks)
assert n == 1, "the task to rename was not found"
open(f"{root}/tasks.yaml", "w", encoding="utf-8").write(tasks)
PY
"$VPM_BIN_DIR/vpm" snapshot "$hostile" > /dev/null

node "$VPM_ROOT/scripts/browser/archive-pages.mjs" "$deps" "$artifacts" "$VPM_ARCHIVIST_URL" hostile-lantern
log "screenshot: $artifacts/archive-project.png"
