#!/usr/bin/env python3
"""From a file save to its archived record, with `vpm watch --embedded`.

Starts the release `vpm watch DIR --embedded` on a temporary copy of
examples/lantern (its archive in a temporary VPM_DATA_DIR), waits for the
first run, then saves tasks.yaml N times the way editors do (a temporary
file beside it, written, then renamed over it), each time with different
task titles, and measures each save: from just before the rename to the
moment the watcher's `archived ... leaf N` line is read from its standard
output. The line is printed after the archive's durable append returns,
so the figure covers the debounce interval, the whole pipeline and the
fsync. One save at a time: the next starts once the line is in.

    bench/watch.py                   30 saves, the default debounce
    bench/watch.py --saves 50 --debounce 20ms

Needs a release build of vpm (CARGO_TARGET_DIR, default target/). The
issue's bar: under 100 ms from save to archived record.
"""

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT = 20.0  # seconds: a save with no record by then is a failure


def vpm_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    path = os.path.join(target, "release", "vpm")
    if not os.access(path, os.X_OK):
        sys.exit(f"no release build at {path}: run cargo build --release -p vpm")
    return path


def retitled(tasks, prefix):
    """Every task title prefixed, so the snapshot's Next 3 change."""
    out = []
    for line in tasks.splitlines(keepends=True):
        indent, sep, title = line.partition("title: ")
        out.append(f"{indent}title: {prefix} - {title}" if sep and not indent.strip() else line)
    return "".join(out)


def read_lines(stream, lines):
    """Each stdout line with the monotonic time it was read."""
    for line in stream:
        lines.put((time.monotonic(), line.rstrip("\n")))
    lines.put((time.monotonic(), None))


def next_line(lines, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    at, line = lines.get(timeout=left)
    if line is None:
        sys.exit("vpm watch ended")
    return at, line


def percentile(values, p):
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=30, help="saves measured (at least 20)")
    parser.add_argument("--debounce", default=None, help="vpm watch --debounce (its default otherwise)")
    args = parser.parse_args()
    if args.saves < 20:
        sys.exit("--saves: at least 20")

    work = tempfile.mkdtemp(prefix="vpm-bench-watch-")
    folder = os.path.join(work, "lantern")
    shutil.copytree(os.path.join(ROOT, "examples", "lantern"), folder)
    tasks_path = os.path.join(folder, "tasks.yaml")
    with open(tasks_path, encoding="utf-8") as f:
        original = f.read()
    argv = [vpm_binary(), "watch", folder, "--embedded"]
    if args.debounce:
        argv += ["--debounce", args.debounce]
    env = {**os.environ, "VPM_DATA_DIR": os.path.join(work, "data"), "VPM_LOG": "warn"}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    lines = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    latencies = []
    try:
        _, first = next_line(lines, time.monotonic() + WAIT)
        if " archived " not in f" {first} ":
            sys.exit(f"the first run did not archive: {first}")
        # The example's decisions are records of their own, filed before
        # the first snapshot: count the saves' leaves from that snapshot's.
        first_leaf = int(first.split()[4])
        for n in range(args.saves):
            temp = os.path.join(folder, ".tasks.yaml.bench~")
            with open(temp, "w", encoding="utf-8") as f:
                f.write(retitled(original, f"Save {n}"))
            saved = time.monotonic()
            os.rename(temp, tasks_path)
            at, line = next_line(lines, saved + WAIT)
            words = line.split()
            expected = first_leaf + n + 1
            if len(words) < 5 or words[1] != "archived" or words[4] != str(expected):
                sys.exit(f"save {n}: expected leaf {expected} to be archived, got: {line}")
            latencies.append((at - saved) * 1000)
    except TimeoutError:
        sys.exit(f"no line within {WAIT:.0f} s of a save")
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)

    debounce = args.debounce or "default"
    print(f"| save → archived record, example project (atomic rename of tasks.yaml) | saves | debounce | median | p90 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| `vpm watch --embedded` | {len(latencies)} | {debounce} "
        f"| {statistics.median(latencies):.1f} ms | {percentile(latencies, 90):.1f} ms | {max(latencies):.1f} ms |"
    )


if __name__ == "__main__":
    main()
