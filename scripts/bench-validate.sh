#!/usr/bin/env bash
# Benchmark of `validate` on a workspace of 10,000 profiles, 20 groups, 140 proactive
# messages and 200 contact attributes. Targets (2-core machine, issue 8): a median under
# 0.15 s wall and a peak RSS under 50 MB. Prints the best and median of RUNS runs. The
# binary is $CARGO_TARGET_DIR/release/socialform (else target/release/socialform), built
# before anything is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
python3 scripts/gen_workspace.py "$work/ws"
bin=${CARGO_TARGET_DIR:-target}/release/socialform
"$bin" validate "$work/ws" >/dev/null 2>&1 || { "$bin" validate "$work/ws"; echo "the generated workspace does not validate" >&2; exit 1; }
python3 - "$bin" "$work/ws" "$runs" <<'PY'
import resource, subprocess, sys, time, statistics
bin, ws, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
walls, rss = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([bin, "validate", ws], check=True, capture_output=True)
    walls.append(time.perf_counter() - t)
    rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"validate, 10,000 profiles: wall best {min(walls)*1000:.0f} ms, median {statistics.median(walls)*1000:.0f} ms; peak RSS {max(rss)/1024:.1f} MB (targets: 150 ms, 50 MB) {'ok' if statistics.median(walls) < 0.15 and max(rss) / 1024 < 50 else 'MISSED'}")
PY
