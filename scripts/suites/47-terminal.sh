#!/usr/bin/env bash
# vpm as a person uses it (issue 18): the release binary in a real terminal
# (tmux, 120x40), what the screen shows asserted — readable coloured log
# lines and no JSON on a terminal, every error ending with the command that
# fixes it, `vpm up` stopped with Ctrl-C — and the same run in a pipe: JSON
# log lines, no escape codes. About 20 seconds.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require tmux python3 curl
VPM="$VPM_BIN_DIR/vpm"
[ -x "$VPM" ] || die "$VPM is missing (cargo build --release --workspace --bins)"

work="$(mktemp -d "$VPM_WORK/terminal.XXXXXX")"
session="vpm-terminal-$$"
socket="$work/tmux.sock"
t() { tmux -S "$socket" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

failures=0
pass() { printf '  ok    %s\n' "$1" >&2; }
fail() { printf '  FAIL  %s\n' "$1" >&2; failures=$((failures + 1)); }
# expect NAME FILE PATTERN: the screen (or file) holds PATTERN (grep -E).
expect() { if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1: no /$3/ in $2:"; sed 's/^/        | /' "$2" >&2; fi; }
refuse() { if grep -Eq -- "$3" "$2"; then fail "$1: /$3/ in $2:"; sed 's/^/        | /' "$2" >&2; else pass "$1"; fi; }

# A terminal as a new user has one: colour allowed, nothing forced.
t -f /dev/null new-session -d -s "$session" -x 120 -y 40 -c "$work" \
    env -u NO_COLOR -u CLICOLOR_FORCE -u VPM_LOG_FORMAT -u VPM_LOG TERM=xterm-256color \
    VPM_DATA_DIR="$work/data" PS1='$ ' bash --norc --noprofile
t set-option -t "$session" history-limit 5000 >/dev/null

# screen NAME COMMAND [SECONDS]: clears the terminal, types COMMAND, waits
# for it to end and keeps the screen (with colours) in $work/NAME.screen
# and its plain text in $work/NAME.txt; $status is its exit status.
screen() {
    local name="$1" cmd="$2" deadline=$((SECONDS + ${3:-30}))
    # A marker of this run's own: the previous command's stays on screen
    # until `clear` runs, and must not be taken for this one's.
    local mark="__${name}_rc="
    t send-keys -t "$session" "clear; $cmd; echo \"$mark\$?__\"" Enter
    until t capture-pane -t "$session" -p -S -5000 | grep -q "^$mark[0-9]*__\$"; do
        (( SECONDS < deadline )) || { t capture-pane -t "$session" -p >&2; die "$name did not finish"; }
        sleep 0.1
    done
    t capture-pane -t "$session" -p -e -J -S -5000 > "$work/$name.screen"
    t capture-pane -t "$session" -p -J -S -5000 > "$work/$name.txt"
    status="$(grep -o "^$mark[0-9]*__\$" "$work/$name.txt" | sed 's/.*=//' | tr -dc 0-9)"
    t clear-history -t "$session"
}
exit_is() { if [ "$status" = "$2" ]; then pass "$1: exit $2"; else fail "$1: exit $status, expected $2"; fi; }

log "vpm in tmux $(tmux -V | cut -d' ' -f2), 120x40"
lantern="$VPM_ROOT/examples/lantern"

# 1. A snapshot, first run: readable, coloured logs; the key warning loud.
screen first "$VPM snapshot $lantern --embedded --format md"
exit_is "snapshot" 0
expect "the Markdown report is on screen" "$work/first.txt" '^# Lantern — PM snapshot as of 2026-11-23'
# The example's four decisions are records of their own, filed first.
expect "what was recorded is on screen" "$work/first.txt" '^recorded  [0-9a-f]{64} as leaf 4 of a log of 5'
expect "log lines are readable text" "$work/first.txt" '^[0-9]{2}:[0-9]{2}:[0-9]{2} INFO  vpm +running the pipeline'
refuse "no JSON log lines on a terminal" "$work/first.txt" '^\{"|"level":'
expect "log levels are coloured" "$work/first.screen" $'\e\\[[0-9;]*m(\e\\[[0-9;]*m)?WARN'
expect "the new development key is announced loudly" "$work/first.txt" 'CREATED A DEVELOPMENT SIGNING KEY'
lines="$(grep -c '^ \{27\}' "$work/first.txt" || true)"
if [ "$lines" -ge 2 ]; then pass "the announcement takes several lines ($((lines + 1)))"; else fail "the announcement is on $((lines + 1)) line(s)"; fi

# 2. A later run: the key is reminded in one line.
screen second "$VPM snapshot $lantern --embedded --format md"
exit_is "second snapshot" 0
expect "a one-line reminder of the development key" "$work/second.txt" 'WARN  vpm +development signing key \(set VPM_SIGNING_KEY_FILE'
refuse "no second announcement" "$work/second.txt" 'CREATED A DEVELOPMENT'

# 3. Cells down (four ports nobody listens on).
urls=""
for cell in curator planner synthesizer archivist; do urls+=" --$cell-url http://127.0.0.1:$(free_port)"; done
screen down "$VPM snapshot $lantern$urls"
exit_is "cells down" 3
expect "says which cell is unreachable" "$work/down.txt" '^vpm: the curator at http://127\.0\.0\.1:[0-9]+/ is not reachable'
expect "ends with vpm up or --embedded" "$work/down.txt" '^  help: start the cells with `vpm up` .*`--embedded`$'
expect "the help is coloured" "$work/down.screen" $'\e\\[[0-9;]*m(\e\\[[0-9;]*m)?help:'

# 4. No as-of date.
mkdir -p "$work/undated" && cp -r "$lantern/." "$work/undated/"
sed -i '/^as_of:/d' "$work/undated/project.yaml"
screen undated "$VPM snapshot $work/undated --embedded"
exit_is "no as-of date" 1
expect "names the problem" "$work/undated.txt" 'missing_as_of'
expect "ends with --as-of today" "$work/undated.txt" '^  help: pass `--as-of today`'

# 5. A signing key that is not there.
screen nokey "VPM_SIGNING_KEY_FILE=$work/no-such-key.pem $VPM snapshot $lantern --embedded"
exit_is "missing key" 2
expect "names the setting" "$work/nokey.txt" 'VPM_SIGNING_KEY_FILE'
expect "ends with vpm keygen" "$work/nokey.txt" '^  help: create a key with `vpm keygen --out FILE`'

# 6. A folder with a mistake, and a file name that tries to clear the screen.
mkdir -p "$work/bad/decisions" && cp "$lantern/project.yaml" "$work/bad/"
printf 'tasks:\n  - id: T1\n    title: Ship it\n    goal: G404\n    status: todo\n' > "$work/bad/tasks.yaml"
printf 'id: D1\n' > "$work/bad/decisions/"$'\e[2J'"x.yaml"
screen bad "$VPM snapshot $work/bad --embedded"
exit_is "bad folder" 1
expect "the file and line of the mistake" "$work/bad.txt" '^tasks\.yaml:4: unknown_reference: .*G404'
expect "the hostile file name is shown escaped" "$work/bad.txt" 'decisions/\\x1b\[2Jx\.yaml'
expect "ends with what to fix" "$work/bad.txt" '^  help: fix each file:line above'

# 7. vpm up, one request, Ctrl-C.
ports=()
for _ in 1 2 3 4; do ports+=("$(free_port)"); done
t send-keys -t "$session" "clear; $VPM up --curator-port ${ports[0]} --planner-port ${ports[1]} --synthesizer-port ${ports[2]} --archivist-port ${ports[3]}; echo \"__rc=\$?__\"" Enter
wait_http "http://127.0.0.1:${ports[3]}/healthz" 20
curl -fsS -o /dev/null "http://127.0.0.1:${ports[3]}/v1/records"
sleep 0.5
t send-keys -t "$session" C-c
deadline=$((SECONDS + 20))
until t capture-pane -t "$session" -p -S -5000 | grep -q '^__rc=[0-9]*__$'; do
    (( SECONDS < deadline )) || die "vpm up did not stop on Ctrl-C"
    sleep 0.1
done
t capture-pane -t "$session" -p -J -S -5000 > "$work/up.txt"
t capture-pane -t "$session" -p -e -J -S -5000 > "$work/up.screen"
status="$(grep -o '^__rc=[0-9]*__$' "$work/up.txt" | tr -dc 0-9)"
exit_is "vpm up after Ctrl-C" 0
expect "a request is one short line" "$work/up.txt" '^[0-9:]{8} archivist +GET /v1/records 200 [0-9.]+ ms$'
expect "the status is coloured" "$work/up.screen" $'\e\\[32m200'
expect "a clean shutdown is said" "$work/up.txt" '^vpm: stopped: all four cells drained$'
refuse "no JSON on the terminal" "$work/up.txt" '^\{"'

# 8. The same snapshot in a pipe: JSON log lines, no escape codes anywhere.
(cd "$work" && env -u NO_COLOR -u VPM_LOG_FORMAT VPM_DATA_DIR="$work/data" \
    "$VPM" snapshot "$lantern" --embedded --format md 2> "$work/pipe.err" | cat > "$work/pipe.out")
expect "the report goes to the pipe" "$work/pipe.out" '^# Lantern'
refuse "no escape codes on stdout" "$work/pipe.out" $'\e'
refuse "no escape codes on stderr" "$work/pipe.err" $'\e'
if python3 - "$work/pipe.err" <<'PY'
import json, sys
logs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert any(l["msg"] == "running the pipeline" and len(l["trace_id"]) == 32 for l in logs), logs
assert all({"ts", "level", "target", "msg"} <= l.keys() for l in logs), logs
PY
then pass "log lines in a pipe are JSON with trace ids"; else fail "log lines in a pipe are not JSON"; fi
# VPM_LOG_FORMAT=text forces text into the pipe, uncoloured; json forces JSON on the terminal.
(cd "$work" && VPM_LOG_FORMAT=text VPM_DATA_DIR="$work/data" "$VPM" snapshot "$lantern" --embedded 2> "$work/text.err" > /dev/null)
expect "VPM_LOG_FORMAT=text in a pipe" "$work/text.err" '^[0-9:]{8} INFO  vpm +running the pipeline'
refuse "... without colour" "$work/text.err" $'\e'
screen forced "VPM_LOG_FORMAT=json $VPM snapshot $lantern --embedded > /dev/null"
expect "VPM_LOG_FORMAT=json on a terminal" "$work/forced.txt" '^\{.*"msg":"running the pipeline"'
screen nocolor "NO_COLOR=1 $VPM snapshot $lantern --embedded > /dev/null"
expect "NO_COLOR: text" "$work/nocolor.txt" 'INFO  vpm +running the pipeline'
refuse "NO_COLOR: no colour" "$work/nocolor.screen" $'\e\\[[0-9;]*m(INFO|WARN)'
screen quiet "$VPM -q snapshot $lantern --embedded --format md"
exit_is "quiet" 0
refuse "-q: no logs, no report" "$work/quiet.txt" 'INFO|WARN|^recorded '
expect "-q: the snapshot still" "$work/quiet.txt" '^# Lantern'

# 9. --out (atomic), --open with $BROWSER, completions, man pages.
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/opened"\n' "$work" > "$work/browser.sh"
chmod +x "$work/browser.sh"
echo "old" > "$work/page.html"
screen open "BROWSER='$work/browser.sh' $VPM snapshot $lantern --embedded --out $work/page.html --open"
exit_is "--open" 0
expect "the browser got the page" "$work/opened" "^$work/page\\.html\$"
expect "the page is the HTML snapshot" "$work/page.html" '^<!DOCTYPE html>'
expect "and says so" "$work/open.txt" "^vpm: opened $work/page\\.html"
ls -a "$work" | grep -q '\.tmp$' && fail "--out left a temporary file" || pass "--out left no temporary file"
screen badout "$VPM snapshot $lantern --embedded --out $work/no/such/dir/s.json"
exit_is "--out into a missing directory" 4
expect "--out failure ends with help" "$work/badout.txt" '^  help: choose a file in a directory you can write to'
"$VPM" completions bash > "$work/vpm.bash"
expect "bash completions" "$work/vpm.bash" 'complete -F _vpm'
"$VPM" completions zsh > "$work/_vpm"
expect "zsh completions name snapshot" "$work/_vpm" "'snapshot:"
"$VPM" -q man --out-dir "$work/man"
expect "a man page per command" <(ls "$work/man") '^vpm-snapshot\.1$'
screen usage "$VPM snapshot --format yaml"
exit_is "usage error" 2

if [ "$failures" -gt 0 ]; then die "$failures terminal check(s) failed"; fi
log "terminal: every check passed"
