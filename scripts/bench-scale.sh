#!/usr/bin/env bash
# Scale benchmark: every path a pull request can grow must stay linear in its input.
# For each hostile workload of scripts/gen_hostile.py, runs the command at N, 2N, 4N and
# 8N and prints the wall time of each and t(8N) / t(N): about 8 when the path is linear,
# about 64 when it is quadratic. Not a test: a timing on a shared machine is a figure to
# read, not a verdict. KINDS="errors tokens" runs some; TIMEOUT (seconds, default 120)
# stops a run that takes too long; BIN uses another binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/socialform
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$BIN" "$work" "${KINDS:-}" "${TIMEOUT:-120}" <<'PY'
import os, shutil, subprocess, sys, time
bin, work, kinds, timeout = sys.argv[1], sys.argv[2], sys.argv[3].split(), float(sys.argv[4])

# kind, base N, command (after the binary; DIR is the configuration), what it exercises
CASES = [
    ("errors", 4000, ["validate", "DIR"], "N diagnostics, human report"),
    ("errors", 4000, ["validate", "DIR", "--format", "json"], "N diagnostics, JSON report"),
    ("missing", 4000, ["validate", "DIR", "--format", "json"], "N resources that do not decode"),
    ("wrongtype", 12500, ["validate", "DIR", "--format", "json"], "N values of the wrong type in one table"),
    ("tokens", 20000, ["validate", "DIR", "--format", "json"], "greeting token check, N tokens on one line"),
    ("tokens", 20000, ["validate", "DIR"], "human report of N diagnostics on one long line"),
    ("longline", 5000, ["validate", "DIR"], "human report, N diagnostics on one long line"),
    ("tags", 20000, ["validate", "DIR"], "uniqueness of a list of N"),
    ("dup_tags", 5000, ["validate", "DIR"], "N duplicates, human report"),
    ("members", 5000, ["validate", "DIR"], "group of N declared and N unknown members"),
    ("order", 10000, ["validate", "DIR"], "[contacts] order of N declared attributes"),
    ("when", 60, ["plan", "DIR"], "`when` of N conditions, parsed and planned (8N is under the 20,000-character cap)"),
    ("flows", 2000, ["plan", "DIR"], "N unknown flows against N flows: live checks"),
    ("mailboxes", 2000, ["validate", "DIR"], "N unknown reply profiles among N profiles"),
    ("worddiff", 250, ["plan", "DIR"], "a changed text of N words, every word changed (8N is under the 20,000-character cap)"),
]
gen = os.path.join(os.getcwd(), "scripts", "gen_hostile.py")

def prepare(kind, n, d):
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run([sys.executable, gen, kind, str(n), d], check=True)
    if kind == "worddiff":
        # Apply the first text, then change every word: the plan diffs N words with N others.
        p = subprocess.run([bin, "apply", d, "--auto-approve"], capture_output=True)
        if p.returncode != 0:
            sys.exit(f"{kind} {n}: apply failed: {p.stderr.decode(errors='replace')[-300:]}")
        subprocess.run([sys.executable, gen, kind, str(n), d, "--variant", "b"], check=True)

def run(cmd):
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    wall = time.perf_counter() - t
    note = ""
    if p.returncode not in (0, 1, 2) or b"panicked" in p.stderr:
        note = f"exit {p.returncode}: " + p.stderr.decode(errors="replace").strip().splitlines()[-1][:80]
    return wall, note

print(f"{'kind':<10} {'N':>8} {'2N':>8} {'4N':>8} {'8N':>8}  {'8N/N':>6}  command: what")
for kind, base, args, what in CASES:
    if kinds and kind not in kinds:
        continue
    times, notes = [], []
    for mult in (1, 2, 4, 8):
        n = base * mult
        d = os.path.join(work, f"{kind}-{n}")
        prepare(kind, n, d)
        wall, note = run([bin] + [d if a == "DIR" else a for a in args])
        times.append(wall)
        if note:
            notes.append(f"{n}: {note}")
        shutil.rmtree(d, ignore_errors=True)
        if wall is None:
            break
    cells = [f"{t:8.2f}" if t is not None else "       -" for t in times]
    cells += ["       -"] * (4 - len(cells))
    ratio = f"{times[3] / times[0]:6.1f}" if len(times) == 4 and None not in times and times[0] > 0 else "     -"
    line = f"{kind:<10} " + " ".join(cells) + f"  {ratio}  {' '.join(args[:1] + args[2:])}: {what} (N = {base:,})"
    print(line, flush=True)
    for n in notes:
        print(f"{'':<10} {n}", flush=True)
PY
