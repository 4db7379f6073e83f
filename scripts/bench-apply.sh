#!/usr/bin/env bash
# Benchmark of a first `apply` (an empty platform: every resource created) of the
# workspace of scripts/gen_workspace.py:
#   1. on the embedded sandbox, 1,000 and 10,000 profiles, and the ratio 10k / 1k (linear
#      is about 10; the writes are ~1,400 and ~10,400);
#   2. over HTTP to `socialform serve` (latency 0, --synchronous full, its default), 10,000
#      profiles, at --parallelism 16.
# Targets (2-core machine, issue 8): sandbox 10k under 5 s and 10k / 1k under 12x; HTTP
# 10k under 6 s. Each figure is the median of RUNS runs (default 3), each on a fresh
# platform (the sandbox database or the server's database removed before it, untimed).
# The binary is $CARGO_TARGET_DIR/release/socialform (else target/release/socialform),
# built before anything is timed; SOCIALFORM_BIN=PATH times that binary instead, unbuilt
# (another build to compare with, such as a copy of main's).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath "${CARGO_TARGET_DIR:-target}")
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "${SOCIALFORM_BIN:-}" ]; then
  bin=$(realpath "$SOCIALFORM_BIN")
else
  cargo build --release --quiet --bin socialform
  bin="$target/release/socialform"
fi
python3 scripts/gen_workspace.py "$work/ws1k" --profiles 1000 >/dev/null
python3 scripts/gen_workspace.py "$work/ws10k" --profiles 10000 >/dev/null
python3 - "$bin" "$work" "$runs" <<'PY'
import os, re, shutil, statistics, subprocess, sys, time
sys.path.insert(0, "scripts")
import benchserve
bin, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
token = "bench-" + os.urandom(8).hex()
env = dict(os.environ, SOCIALFORM_TOKEN=token, SOCIALFORM_SERVE_TOKENS=f"bench={token}", NO_COLOR="1")

def apply(ws, *extra):
    t = time.perf_counter()
    r = subprocess.run([bin, "apply", ws, "--auto-approve", *extra], env=env,
                       capture_output=True, text=True, timeout=1200)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"apply {ws} failed:\n{r.stderr[-3000:]}")
    # The writes: created, updated, replaced and deleted (the profiles of the catalog's
    # accounts exist on a new platform, so the apply updates them).
    m = re.search(r"Apply complete: (\d+) created, (\d+) updated, (\d+) replaced, (\d+) deleted", r.stderr)
    return wall, sum(int(g) for g in m.groups()) if m else 0

def sandbox(ws):
    walls = []
    for _ in range(runs):
        shutil.rmtree(os.path.join(ws, ".socialform"), ignore_errors=True)
        wall, created = apply(ws)
        walls.append(wall)
    return statistics.median(walls), min(walls), created

t1, b1, n1 = sandbox(os.path.join(work, "ws1k"))
t10, b10, n10 = sandbox(os.path.join(work, "ws10k"))
ratio = t10 / t1
print(f"first sandbox apply, 1,000 profiles ({n1} writes): median {t1:.2f} s, best {b1:.2f} s")
print(f"first sandbox apply, 10,000 profiles ({n10} writes): median {t10:.2f} s, best {b10:.2f} s (target: 5 s) {'ok' if t10 < 5 else 'MISSED'}")
print(f"ratio 10k / 1k: {ratio:.1f}x (target: under 12x) {'ok' if ratio < 12 else 'MISSED'}")

# Over HTTP: a fresh server database for each run.
ws = os.path.join(work, "ws10k")
root = os.path.join(ws, "socialform.toml")
plain = open(root).read()

def serve(db):
    return benchserve.serve(bin, work, ws, db, env, "--listen", "127.0.0.1:0")

def commits(url):
    """The server's counts of writes and of the commits they shared (absent before group
    commit: None)."""
    found = benchserve.metrics(url, token)
    if "socialform_commits_total" not in found:
        return None
    return found["socialform_writes_total"], found["socialform_commits_total"]

walls, groups = [], []
for i in range(runs):
    p, url = serve(os.path.join(work, f"db-{i}.sqlite"))
    try:
        open(root, "w").write(plain.replace('name = "bench"\n', f'name = "bench"\n\n[backend]\nkind = "http"\nurl = "{url}"\n', 1))
        wall, created = apply(ws, "--parallelism", "16")
        walls.append(wall)
        groups.append(commits(url))
    finally:
        p.terminate(); p.wait(timeout=30)
open(root, "w").write(plain)
th = statistics.median(walls)
print(f"first apply over HTTP to serve (latency 0, synchronous full, --parallelism 16), 10,000 profiles ({created} writes): median {th:.2f} s, best {min(walls):.2f} s (target: 6 s) {'ok' if th < 6 else 'MISSED'}")
for g in groups:
    if g:
        print(f"  {g[0]} writes in {g[1]} commits ({g[0] / max(g[1], 1):.1f} writes a commit)")
PY
