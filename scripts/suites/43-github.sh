#!/usr/bin/env bash
# The GitHub client (crates/github) against @octokit/fixtures-server, which
# replays GitHub API responses recorded from api.github.com: Link
# pagination, headers and bodies as GitHub sent them. The tests are the
# crate's #[ignore]d ones (tests/suite/octokit.rs); a plain `cargo nextest
# run` skips them, this suite runs only them, and fails when the server or
# node is missing. The in-process-server tests of the same crate run with
# the other Rust tests.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require node cargo
server="$VPM_TOOLS/npm/node_modules/.bin/octokit-fixtures-server"
[ -x "$server" ] || die "@octokit/fixtures-server is not installed at $server (scripts/install-deps installs it)"

port="$(free_port)"
log_file="$VPM_WORK/octokit-fixtures-server.log"
"$server" --port "$port" --fixtures-url "http://127.0.0.1:$port" --log-level warn >"$log_file" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
wait_http "http://127.0.0.1:$port/ping" 30 || { cat "$log_file" >&2; exit 1; }
log "octokit fixtures server on port $port (pid $server_pid)"

cd "$VPM_ROOT"
OCTOKIT_FIXTURES_URL="http://127.0.0.1:$port" \
    cargo nextest run --release --locked -p vpm-github --run-ignored only --no-fail-fast
