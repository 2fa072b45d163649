#!/usr/bin/env bash
# The Kubernetes deployment (deploy/, docs/deploy.md): builds every overlay
# with kubectl kustomize, validates every resource against the upstream CRDs
# in ../shared/schemas and core kinds with kubernetes-validate, checks the
# Knative rules a schema cannot express and every scrape/alert link against
# the real binaries, runs promtool check/test rules and a real Prometheus.
#
# Runs in a private network namespace, so the cells listen on their real
# ports (8002-8005) and Prometheus on 9090 whatever else runs here.
# About a minute.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

# kubectl comes with the machine image (Google Cloud SDK's package, which
# bundles kustomize v5); Debian's kubernetes-client (1.20, kustomize v2)
# is too old for components and replacements.
require kubectl promtool prometheus unshare ip
kustomize_version="$(kubectl version --client 2>/dev/null | awk '/Kustomize Version/ { print $3 }')"
[[ "$kustomize_version" =~ ^v([5-9]|[1-9][0-9])\. ]] \
    || die "kubectl's kustomize is '${kustomize_version:-unknown}'; deploy/ needs kustomize v5 or newer"
for cell in curator planner synthesizer archivist; do
    [ -x "$VPM_BIN_DIR/$cell" ] || die "$VPM_BIN_DIR/$cell is missing (cargo build --release)"
done
[ -x "$VPM_VENV/bin/python" ] || die "no $VPM_VENV: run scripts/install-deps"

if [ "$(id -u)" -eq 0 ]; then
    netns=(unshare --net)
else
    netns=(unshare --user --map-root-user --net)
fi
log "deploy tests (kustomize $kustomize_version, $(promtool --version 2>&1 | head -1))"
"${netns[@]}" bash -c 'ip link set lo up && exec "$@"' _ \
    "$VPM_VENV/bin/python" -m pytest -q -p no:cacheprovider "$VPM_ROOT/deploy/tests"
