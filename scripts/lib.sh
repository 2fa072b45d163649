# Shared by the scripts under scripts/: paths, logging, small checks.
# Source it; do not run it.

VPM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VPM_ROOT
export VPM_VENV="${VPM_VENV:-$VPM_ROOT/.venv}"
# Where cargo builds: the clone's target/ unless CARGO_TARGET_DIR says
# otherwise (.ci/run keeps a cache outside the clone).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$VPM_ROOT/target}"
# The one release build every suite uses.
export VPM_BIN_DIR="${VPM_BIN_DIR:-$CARGO_TARGET_DIR/release}"
# Scratch space for suites (logs, databases, images); kept out of git.
export VPM_WORK="${VPM_WORK:-$VPM_ROOT/.work}"
# Tools installed from registries other than apt and PyPI (npm packages
# under $VPM_TOOLS/npm); kept out of git.
export VPM_TOOLS="${VPM_TOOLS:-$VPM_ROOT/.tools}"
mkdir -p "$VPM_WORK"
export PATH="$VPM_VENV/bin:$PATH"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS]: until URL answers 200, or fail.
wait_http() {
    local url="$1" deadline=$((SECONDS + ${2:-30}))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        (( SECONDS < deadline )) || die "timed out waiting for $url"
        sleep 0.1
    done
}

# require CMD...: fail (never skip) when a tool a suite needs is missing.
require() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "required tool '$cmd' is not installed (scripts/install-deps installs it)"
    done
}
