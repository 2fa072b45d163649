#!/usr/bin/env python3
"""10,000 GitHub issues from the cache to a snapshot, on one core.

Generates a project folder whose only tasks come from a live GitHub source's
cache (.vpm/sources/github/acme/big/): N trimmed issues as `vpm pull` writes
them (about 1 in 5 closed, labels for priority, size and risk, a body with
`depends on #n` on every third issue), 40 milestones, dependencies.json and
sub_issues.json. Then runs `taskset -c 0 vpm snapshot DIR --embedded` several
times and prints the wall time of each run and their median, and the sizes.

    bench/sources.py                 10,000 issues, 5 runs
    bench/sources.py --issues 50000 --runs 3

Needs a release build of vpm (CARGO_TARGET_DIR, default target/) and
taskset (util-linux). The issue's bar: under 1 s.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vpm_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    path = os.path.join(target, "release", "vpm")
    if not os.access(path, os.X_OK):
        sys.exit(f"no release build at {path}: run cargo build --release -p vpm")
    return path


def generate(folder, issues, seed=15):
    rng = random.Random(seed)
    cache = os.path.join(folder, ".vpm/sources/github/acme/big")
    os.makedirs(cache)
    milestones = [
        {
            "number": m,
            "title": f"Milestone {m}",
            "description": f"Release train {m}.\n- [ ] shipped\n- [ ] announced",
            "state": "open",
            "due_on": f"2027-{1 + m % 12:02d}-{1 + m % 28:02d}T08:00:00Z",
            "html_url": f"https://github.com/acme/big/milestone/{m}",
            "closed_at": None,
        }
        for m in range(1, 41)
    ]
    items = []
    deps = {}
    subs = {}
    for n in range(1, issues + 1):
        closed = rng.random() < 0.2
        labels = [{"name": rng.choice(["priority/high", "priority/medium", "priority/low", "bug"])}]
        labels.append({"name": rng.choice(["size/S", "size/M", "size/L"])})
        if rng.random() < 0.3:
            labels.append({"name": rng.choice(["risk/high", "risk/low"])})
        body = "Steps to reproduce, expected and actual behaviour. " * 3
        # Dependencies point to earlier issues only: no cycles.
        if n > 1 and n % 3 == 0:
            body += f"\nDepends on #{rng.randrange(1, n)}"
        if n > 10 and n % 7 == 0:
            deps[str(n)] = [rng.randrange(1, n), rng.randrange(1, n)]
        if n > 10 and n % 50 == 0:
            subs[str(n)] = [rng.randrange(1, n) for _ in range(3)]
        items.append(
            {
                "number": n,
                "title": f"Issue {n}: make part {n % 97} faster",
                "state": "closed" if closed else "open",
                "state_reason": "completed" if closed else None,
                "html_url": f"https://github.com/acme/big/issues/{n}",
                "body": body,
                "labels": labels,
                "assignees": [{"login": f"dev{n % 23}"}] if rng.random() < 0.7 else [],
                "milestone": {"number": 1 + n % 40, "title": f"Milestone {1 + n % 40}"}
                if rng.random() < 0.9
                else None,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-11-01T00:00:00Z",
                "closed_at": "2026-11-01T00:00:00Z" if closed else None,
            }
        )
    with open(os.path.join(cache, "issues.json"), "w") as f:
        json.dump(items, f, indent=1)
    with open(os.path.join(cache, "milestones.json"), "w") as f:
        json.dump(milestones, f, indent=1)
    with open(os.path.join(cache, "dependencies.json"), "w") as f:
        json.dump(deps, f)
    with open(os.path.join(cache, "sub_issues.json"), "w") as f:
        json.dump(subs, f)
    with open(os.path.join(cache, "pull.json"), "w") as f:
        json.dump({"fetched_at": "2026-12-01T09:00:00Z", "api_url": "https://api.github.com",
                   "etags": {}, "requests": issues // 100 + 1}, f)
    with open(os.path.join(folder, "project.yaml"), "w") as f:
        f.write(
            "id: big\nname: Big repository\nas_of: 2026-12-03\n"
            "goals:\n  - id: G1\n    title: Keep the lights on\n"
            "sources:\n  - github: acme/big\n"
        )
    with open(os.path.join(folder, "state.md"), "w") as f:
        f.write("# State\n\nThe big repository, imported from its GitHub cache.\n")
    return os.path.getsize(os.path.join(cache, "issues.json"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    vpm = vpm_binary()
    if shutil.which("taskset") is None:
        sys.exit("taskset is missing (apt-get install util-linux)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "big")
        os.makedirs(folder)
        size = generate(folder, args.issues)
        env = dict(os.environ)
        env["VPM_ARCHIVE_DIR"] = os.path.join(tmp, "archive")
        env["VPM_DATA_DIR"] = os.path.join(tmp, "data")
        env["HOME"] = tmp
        def timed(argv):
            start = time.perf_counter()
            done = subprocess.run(["taskset", "-c", "0", vpm, *argv], env=env,
                                  capture_output=True, text=True)
            return time.perf_counter() - start, done

        # The whole pipeline in one process, archive included.
        embedded = []
        for run in range(args.runs):
            t, done = timed(["snapshot", folder, "--embedded", "--quiet", "--format", "json",
                             "--out", os.path.join(tmp, f"embedded-{run}.json")])
            if done.returncode != 0:
                embedded = None
                why = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "?"
                break
            embedded.append(t)
        # The same steps without the archive: curate, plan, render.
        chain = []
        curated, plan, snap = (os.path.join(tmp, n) for n in ("curated.json", "plan.json", "snap.json"))
        for _ in range(args.runs):
            total = 0.0
            for argv, out in (
                (["curate", folder], curated),
                (["plan", "--curated", curated], plan),
                (["snapshot", "--curated", curated, "--plan", plan, "--format", "json", "-o", snap], None),
            ):
                t, done = timed(argv)
                if done.returncode not in (0,) and out is None:
                    sys.exit(f"vpm {argv[0]} failed:\n{done.stderr[-2000:]}")
                if out is not None:
                    with open(out, "w") as f:
                        f.write(done.stdout)
                total += t
            chain.append(total)
        with open(snap) as f:
            snapshot = json.load(f)
        print(f"issues in the cache:       {args.issues:,} ({size / 1e6:.1f} MB issues.json)")
        print(f"snapshot:                  {os.path.getsize(snap) / 1e3:.0f} kB, "
              f"{len(snapshot.get('next_actions', []))} next actions")
        if embedded:
            print("embedded runs (s):         " + ", ".join(f"{t:.3f}" for t in embedded))
            print(f"embedded median (s):       {statistics.median(embedded):.3f}  "
                  "(taskset -c 0 vpm snapshot DIR --embedded, archive included)")
        else:
            print(f"embedded:                  failed: {why}")
        print("curate+plan+render (s):    " + ", ".join(f"{t:.3f}" for t in chain))
        print(f"curate+plan+render median: {statistics.median(chain):.3f}  "
              "(three processes on core 0, JSON written and re-read between them, no archive)")


if __name__ == "__main__":
    main()
