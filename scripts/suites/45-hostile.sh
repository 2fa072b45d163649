#!/usr/bin/env bash
# Hostile input (issue 13): each attack run against the release binaries
# with its bound asserted: memory amplification by tiny JSON objects,
# symlinks out of the project folder, devices and FIFOs in it, silent and
# slow connections, blank secrets, terminal escapes in file names,
# authorisation before parsing, trace context in structured events and the
# JSON error contract at HTTP's edges; then `vpm pull` against a hostile
# API, hostile tracker exports and odd tile paths (tests/python/test_hostile.py).
# Prints every measured figure; docs/security.md quotes them. About a minute.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../lib.sh"
require pytest mkfifo
# GNU time: the peak RSS of a vpm run (package `time`, scripts/deps/apt.txt).
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (scripts/install-deps installs the package 'time')"
for bin in curator planner synthesizer archivist vpm; do
    [ -x "$VPM_BIN_DIR/$bin" ] || die "$VPM_BIN_DIR/$bin is missing (cargo build --release --workspace --bins)"
done
# 2,000 silent connections at once (attack 4) need the descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cd "$VPM_ROOT/tests/python"
pytest -q -s -p no:cacheprovider test_hostile.py
