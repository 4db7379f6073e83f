#!/usr/bin/env bash
# Benchmark of the http backend against `socialform serve --latency 20ms` on loopback,
# with the workspace of scripts/gen_workspace.py (10,000 profiles, 20 groups, 200
# contact attributes, 140 proactive messages):
#   1. the request count of a plan, held against ceil(N / page size) + 1 (the catalog),
#      counted by the server (/metrics);
#   2. the wall time of an apply of 1,000 profile updates at --parallelism 16, held
#      against 1.5 x 1,000 / 16 x 20 ms = 1.875 s. The apply's wall time includes
#      validating 10,000 profiles and reading the snapshot, so the write phase is also
#      given: the apply's wall time minus a plan's.
# The workspace is first created on a server without latency (same database), then the
# server restarts with --latency 20ms. SYNC=full|normal picks the server's commit mode.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath "${CARGO_TARGET_DIR:-target}")
sync=${SYNC:-full}
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet --bin socialform
python3 scripts/gen_workspace.py "$work/ws" >/dev/null
python3 - "$target/release/socialform" "$work" "$sync" <<'PY'
import math, os, re, subprocess, sys, time
sys.path.insert(0, "scripts")
import benchserve
bin, work, sync = sys.argv[1], sys.argv[2], sys.argv[3]
ws = os.path.join(work, "ws")
token = "bench-" + os.urandom(8).hex()
env = dict(os.environ, SOCIALFORM_TOKEN=token, SOCIALFORM_SERVE_TOKENS=f"bench={token}", NO_COLOR="1")

def serve(latency, listen="127.0.0.1:0"):
    return benchserve.serve(bin, work, ws, os.path.join(work, "db.sqlite"), env,
                            "--listen", listen, "--latency", latency, "--synchronous", sync)

def stop(p):
    p.terminate(); p.wait(timeout=30)

def total(url):
    return benchserve.metrics(url, token)["socialform_requests_total"]

def run(*args, check=True):
    t = time.perf_counter()
    r = subprocess.run([bin, *args], cwd=ws, env=env, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise SystemExit(f"{args} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t, r

root = os.path.join(ws, "socialform.toml")
s = open(root).read()
p, url = serve("0ms")
open(root, "w").write(s.replace('name = "bench"\n', f'name = "bench"\n\n[backend]\nkind = "http"\nurl = "{url}"\n', 1))
wall, _ = run("apply", ".", "--auto-approve", "--parallelism", "16")
print(f"setup: first apply of the whole workspace (no latency): {wall:.1f} s")
stop(p)
p, url2 = serve("20ms", listen=url.removeprefix("http://"))
assert url2 == url

# 1. Request count of a plan.
before = total(url)
wall_plan, r = run("plan", ".", "--format", "json")
import json
n = len(json.loads(r.stdout)["basis"]["live"])
count = total(url) - before
bound = math.ceil(n / 1000) + 1
print(f"plan of {n} live resources: {count} requests (bound ceil({n}/1000) + 1 = {bound}), {wall_plan:.2f} s wall")
ok1 = abs(count - bound) <= 1

# 2. 1,000 updates at parallelism 16.
batch = os.path.join(ws, "profiles", "batch00.toml")
text = open(batch).read()
text = text.replace('color = "#1D9BF0"\n', "")
text = re.sub(r'^(channel = "[a-z_]+"\n)', r'\1color = "#0000FF"\n', text, flags=re.M)
open(batch, "w").write(text)
_, r = run("plan", ".", "--format", "json")
summary = json.loads(r.stdout)["summary"]
assert summary["update"] == 1000 and summary["create"] == 0, summary
wall_plan, _ = run("plan", ".")
before = total(url)
# The write phase runs from the plan's last line on stdout to "Apply complete" on stderr
# (both are line-buffered), timed as the lines arrive.
import threading
marks = {}
t0 = time.perf_counter()
a = subprocess.Popen([bin, "apply", ".", "--auto-approve", "--parallelism", "16"], cwd=ws, env=env,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
def watch(stream, name, pattern):
    for line in stream:
        if line.startswith(pattern):
            marks[name] = time.perf_counter()
ts = [threading.Thread(target=watch, args=(a.stdout, "planned", "Plan:")),
      threading.Thread(target=watch, args=(a.stderr, "applied", "Apply complete"))]
for t in ts: t.start()
a.wait(timeout=600)
for t in ts: t.join()
wall_apply = time.perf_counter() - t0
if a.returncode != 0 or len(marks) != 2:
    raise SystemExit(f"the apply failed ({a.returncode}, {marks})")
phase = marks["applied"] - marks["planned"]
writes = total(url) - before - bound
limit = 1.5 * 1000 / 16 * 0.020
print(f"apply of 1,000 updates at parallelism 16: write phase {phase:.3f} s (limit {limit:.3f} s, "
      f"ideal {1000 / 16 * 0.020:.3f} s); whole command {wall_apply:.2f} s (a plan alone: {wall_plan:.2f} s); "
      f"{writes} write requests")
ok2 = phase <= limit
_, r = run("plan", ".", "--detailed-exitcode")
stop(p)
print("request count:", "ok" if ok1 else "FAILED", "| apply time (write phase):", "ok" if ok2 else "FAILED",
      "| apply time (whole command):", "ok" if wall_apply <= limit else "over")
sys.exit(0 if ok1 and ok2 else 1)
PY
