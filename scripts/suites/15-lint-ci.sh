#!/usr/bin/env bash
# The CI and image definitions, linted: the GitHub workflows with actionlint
# (which runs shellcheck on every run: block) and zizmor (offline; any finding
# of medium severity or above fails), every action pinned by a full commit SHA
# with its version in a comment, every image workflow triggered by whatever
# its image is built from, the Dockerfile with hadolint, and the image
# scripts with shellcheck.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$VPM_ROOT"
require actionlint zizmor hadolint shellcheck

failed=0
step() {
    local name="$1"; shift
    if "$@"; then
        log "ok: $name"
    else
        log "FAIL: $name"
        failed=$((failed + 1))
    fi
}

workflows=(.github/workflows/*.yml)
[ -e "${workflows[0]}" ] || die "no workflows in .github/workflows"
# Workflows users copy into their own repositories (docs/watch.md) are held
# to the same bar as ours; they are linted as files, not as this repo's.
examples=(examples/github-actions/*.yml)
[ -e "${examples[0]}" ] || die "no example workflows in examples/github-actions"

step "actionlint (with shellcheck) on ${#workflows[@]} workflows" actionlint -shellcheck shellcheck
step "actionlint (with shellcheck) on ${#examples[@]} example workflows" \
    actionlint -shellcheck shellcheck "${examples[@]}"
step "zizmor --offline: no finding of medium severity or above" \
    zizmor --offline --min-severity medium .github/workflows
step "zizmor --offline on the example workflows: none of medium severity or above" \
    zizmor --offline --min-severity medium "${examples[@]}"
# zizmor's low and informational findings are shown, not gated.
zizmor --offline --quiet .github/workflows "${examples[@]}" >&2 || true

pinned() {
    # Every remote `uses:` is owner/repo[/path]@<40 hex> # v<version>.
    local bad
    bad="$(grep -nE '^\s*-?\s*uses:\s' "${workflows[@]}" "${examples[@]}" \
        | grep -vE 'uses:\s+(\./|\$/)' \
        | grep -vE 'uses:\s+[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}\s+#\s+v[0-9]+(\.[0-9]+)*\s*$' || true)"
    [ -z "$bad" ] || { printf '%s\n' "$bad" >&2; return 1; }
}
step "every action pinned by commit SHA with a version comment" pinned

checkouts_keep_no_credentials() {
    python3 - "${workflows[@]}" "${examples[@]}" <<'PY'
import re, sys
bad = []
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        if re.search(r"uses:\s+actions/checkout@", line):
            block = "\n".join(lines[i + 1:i + 6])
            if not re.search(r"persist-credentials:\s*false", block):
                bad.append(f"{path}:{i + 1}")
if bad:
    print("checkout without persist-credentials: false:", *bad, file=sys.stderr)
    sys.exit(1)
PY
}
step "every checkout sets persist-credentials: false" checkouts_keep_no_credentials

# Each image workflow runs when anything its image is built from changes:
# the cell, every workspace crate it links (read from Cargo's metadata, so
# a new dependency between our crates cannot be forgotten here), and the
# build's own files.
image_workflows_watch_their_sources() {
    python3 - deploy/image/cells.tsv \
        <(cargo metadata --format-version 1 --no-deps --locked --offline) <<'PY'
import json, os, re, sys

meta = json.load(open(sys.argv[2]))
root = meta["workspace_root"]
crates = {p["name"]: p for p in meta["packages"]}

def directory(package):
    return os.path.relpath(os.path.dirname(package["manifest_path"]), root)

def built_from(cell):
    """The directories of the workspace crates the cell's binary links."""
    seen, todo = set(), [cell]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for dep in crates[name]["dependencies"]:
            if dep.get("path") and dep["kind"] in (None, "build"):
                todo.append(dep["name"])
    return {directory(crates[name]) for name in seen}

common = {"Cargo.toml", "Cargo.lock", ".cargo/config.toml", "deploy/image/**",
          "scripts/build-images", "scripts/lib.sh", "scripts/deps/requirements.txt",
          ".github/workflows/build-image.yml"}
cells = [line.split()[0] for line in open(sys.argv[1])
         if line.strip() and not line.startswith("#")]
bad = 0
for cell in cells:
    workflow = f".github/workflows/build_{cell}.yml"
    text = open(workflow).read()
    block = re.search(r"^    paths:\n((?:      - .*\n)+)", text, re.M)
    if not block:
        print(f"{workflow}: no push paths", file=sys.stderr)
        bad += 1
        continue
    listed = set(re.findall(r'^      - "([^"]+)"$', block.group(1), re.M))
    wanted = common | {workflow} | {f"{d}/**" for d in built_from(cell)}
    for missing in sorted(wanted - listed):
        print(f"{workflow}: push paths miss \"{missing}\"", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}
step "every image workflow runs on a change to anything its image is built from" \
    image_workflows_watch_their_sources

step "hadolint deploy/image/Dockerfile" hadolint deploy/image/Dockerfile
step "shellcheck the image scripts" \
    shellcheck -x scripts/build-images scripts/suites/15-lint-ci.sh scripts/suites/70-images.sh bench/images.sh

[ "$failed" -eq 0 ] || die "$failed CI lint check(s) failed"
log "CI definitions: all lint checks passed"
