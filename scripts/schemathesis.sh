#!/usr/bin/env bash
# The OpenAPI fuzzer: schemathesis against a real `socialform serve` on 127.0.0.1.
#
# Installs schemathesis (a pinned version) with pip into a virtualenv under the cargo
# target directory (kept between runs), starts `socialform serve` with a fresh database
# on an ephemeral port, runs a bounded schemathesis run of schemas/openapi.json with the
# checks not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance, stops the server with SIGTERM and prints the figures
# (operations, test cases, failures, seconds).
#
# Exit 0: no failure. Exit 1: failures (schemathesis's report is printed), or the server
# misbehaved. Exit 77: skipped, because Python 3 (3.10 or newer), venv or pip, or the
# install is not available (a line starting with `skipped:` says why).
#
# The newest Python found is used (SCHEMATHESIS_PYTHON, python3.13, python3.12, pyenv's
# 3.12+, then python3). On Python 3.11 schemathesis's coverage phase crashes inside the
# interpreter (hypothesis describing its strategies trips an `ast` recursion check), so
# there only the examples and fuzzing phases run, and the script says so.
#
# Environment: SOCIALFORM_BIN (the binary; default: built here in debug),
# SCHEMATHESIS_MAX_EXAMPLES (cases per operation and phase, default 60),
# SCHEMATHESIS_SEED (default 1), SCHEMATHESIS_MAX_TIME (seconds of generation, default 45).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
target=${CARGO_TARGET_DIR:-target}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-60}
seed=${SCHEMATHESIS_SEED:-1}
max_time=${SCHEMATHESIS_MAX_TIME:-45}

skip() {
    echo "skipped: $*"
    exit 77
}

python=
for candidate in "${SCHEMATHESIS_PYTHON:-}" python3.13 python3.12 \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
    python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
[ -n "$python" ] || skip "no Python 3.10 or newer with the venv module"
minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
phases=examples,coverage,fuzzing
if [ "$minor" = 3.11 ]; then
    phases=examples,fuzzing
    echo "note: Python $minor: the coverage phase is left out (it crashes inside this interpreter)"
fi
venv="$target/schemathesis-venv-$minor"

if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version 2>/dev/null | grep -q " $version\$"; then
    "$python" -m venv --clear "$venv" >/dev/null 2>&1 || skip "$python -m venv failed (is the venv module installed?)"
    "$venv/bin/python" -m pip --version >/dev/null 2>&1 || skip "pip is not available in the virtualenv"
    if ! timeout 300 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "schemathesis==$version" >"$target/schemathesis-install.log" 2>&1; then
        tail -5 "$target/schemathesis-install.log" | sed 's/^/  /'
        rm -rf "$venv"
        skip "pip could not install schemathesis $version (see $target/schemathesis-install.log)"
    fi
fi

bin=${SOCIALFORM_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet
    bin="$target/debug/socialform"
fi

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cp tests/fixtures/cycle/basic/catalog.toml "$work/catalog.toml"
token="fuzz-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
mkfifo "$work/out"
SOCIALFORM_SERVE_TOKENS="*=$token" "$bin" serve --listen 127.0.0.1:0 \
    --data "$work/platform.sqlite" --workspace "cycle=$work/catalog.toml" \
    --rate-limit 0 --shutdown-grace 2s --metrics >"$work/out" 2>"$work/server.log" &
server_pid=$!
exec 3<"$work/out"
if ! read -r -t 20 line <&3; then
    cat "$work/server.log" >&2
    echo "the server did not start" >&2
    exit 1
fi
addr=${line#listening on }
case "$addr" in
http://127.0.0.1:*) ;;
*)
    echo "unexpected first line from the server: $line" >&2
    exit 1
    ;;
esac

# Every operation on the served workspace (a random one is only ever 404).
cat >"$work/schemathesis.toml" <<EOF
[parameters]
workspace = "cycle"
EOF

root=$(pwd)
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
start=$(date +%s.%N)
set +e
# Run from the temporary directory: schemathesis keeps a cache in its working directory.
(cd "$work" && timeout $((max_time + 60)) "$venv/bin/st" --config-file "$work/schemathesis.toml" --no-color run \
    "$root/schemas/openapi.json" --url "$addr" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases "$phases" \
    --max-examples "$max_examples" --seed "$seed" --max-time "$max_time" \
    --workers 2 --request-timeout 10 --generation-database none \
    --output-sanitize true \
    --report ndjson --report-ndjson-path "$work/events.ndjson" \
    >"$work/st.log" 2>&1)
st_code=$?
set -e
end=$(date +%s.%N)

kill -TERM "$server_pid"
server_code=0
wait "$server_pid" || server_code=$?
server_pid=
exec 3<&-

python3 - "$work/events.ndjson" "$start" "$end" "$st_code" <<'PY' || true
import json, sys
path, start, end, code = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
operations, cases, failures = set(), 0, 0
try:
    for raw in open(path):
        event = json.loads(raw)
        for kind, body in event.items():
            if kind == "ScenarioFinished":
                label = body.get("recorder", {}).get("label")
                if label:
                    operations.add(label)
                cases += len(body.get("recorder", {}).get("cases", {}))
                for checks in body.get("recorder", {}).get("checks", {}).values():
                    failures += sum(1 for c in checks if c.get("status") == "FAILURE")
except OSError:
    pass
print(f"schemathesis: {len(operations)} operations, {cases} test cases, {failures} failed checks, "
      f"{end - start:.1f} s (exit {code})")
PY

if [ "$st_code" != 0 ]; then
    cat "$work/st.log"
    echo "schemathesis found failures (exit $st_code)" >&2
    exit 1
fi
if [ "$server_code" != 0 ]; then
    cat "$work/server.log" >&2
    echo "the server exited $server_code on SIGTERM" >&2
    exit 1
fi
tail -n 15 "$work/st.log"
