#!/usr/bin/env bash
# The synthesizer's HTML page in a real browser.
#
# Starts the release `synthesizer` binary, asks it for the example project's
# page (Accept: text/html) and for a hostile variant whose titles are markup,
# then drives headless Debian Chromium with playwright-core (pinned by
# scripts/browser/package-lock.json, installed into .work/browser, never
# globally) through scripts/browser/snapshot-page.mjs. Artifacts:
# .work/artifacts/snapshot.png (the page), snapshot-phone.png (390 px),
# snapshot-graph.png (the task graph), snapshot.pdf (print), and the HTML.
# Takes about 20 s once npm's cache is warm.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require node npm python3 curl chromium

fixtures="$VPM_ROOT/services/synthesizer/tests/fixtures"
deps="$VPM_WORK/browser"
artifacts="$VPM_WORK/artifacts"
mkdir -p "$deps" "$artifacts"

# playwright-core, exactly as locked; reinstalled only when the lock changes.
lock="$VPM_ROOT/scripts/browser/package-lock.json"
stamp="$deps/.lock.sha256"
if [ ! -d "$deps/node_modules/playwright-core" ] || [ "$(sha256sum "$lock" | cut -d' ' -f1)" != "$(cat "$stamp" 2>/dev/null)" ]; then
    log "npm ci playwright-core into $deps"
    cp "$VPM_ROOT/scripts/browser/package.json" "$lock" "$deps/"
    (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error)
    sha256sum "$lock" | cut -d' ' -f1 > "$stamp"
fi

port="$(free_port)"
PORT="$port" VPM_HOST=127.0.0.1 "$VPM_BIN_DIR/synthesizer" > "$VPM_WORK/synthesizer-html.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
wait_http "http://127.0.0.1:$port/healthz"

for name in lantern hostile; do
    python3 - "$fixtures/$name" "$VPM_WORK/$name-request.json" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
body = {"curated_set": json.load(open(f"{src}/curated.json", encoding="utf-8")),
        "plan": json.load(open(f"{src}/plan.json", encoding="utf-8"))}
json.dump(body, open(out, "w", encoding="utf-8"), ensure_ascii=False)
PY
    content_type="$(curl -fsS -o "$artifacts/$name.html" -w '%{content_type}' \
        -H 'Content-Type: application/json' -H 'Accept: text/html' \
        --data-binary @"$VPM_WORK/$name-request.json" \
        "http://127.0.0.1:$port/v1/synthesize")"
    [[ "$content_type" == text/html* ]] || die "$name: expected text/html, got '$content_type'"
done

node "$VPM_ROOT/scripts/browser/snapshot-page.mjs" "$deps" "$artifacts" \
    "$artifacts/lantern.html" "$fixtures/lantern/plan.json" "$artifacts/hostile.html"
log "screenshots: $artifacts/snapshot.png, snapshot-phone.png, snapshot-graph.png; print: snapshot.pdf"
