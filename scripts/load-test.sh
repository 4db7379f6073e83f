#!/usr/bin/env bash
# Load test of `socialform serve` on loopback: REQUESTS requests (default 20,000) at
# CONCURRENCY (default 32) within LIMIT seconds (default 60), 80% page reads of 100
# resources and 20% updates with If-Match and an idempotency key (examples/load_test.rs).
# The server runs with synchronous=full (every commit fsynced) and no rate limit; the
# test fails on any error. Prints throughput and latency percentiles.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${REQUESTS:-20000}
concurrency=${CONCURRENCY:-32}
limit=${LIMIT:-60}
sync=${SYNC:-full}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cargo build --release --quiet --bin socialform --example load_test
python3 scripts/gen_workspace.py "$work/ws" --profiles 2000 >/dev/null
token="load-$RANDOM$RANDOM"
SOCIALFORM_SERVE_TOKENS="bench=$token" "$target/release/socialform" serve --listen 127.0.0.1:0 \
  --data "$work/db.sqlite" --workspace "bench=$work/ws/catalog.toml" --rate-limit 0 \
  --synchronous "$sync" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$url" ] || { cat "$work/serve.err"; exit 1; }
echo "server at $url (synchronous=$sync); workspace of $(python3 -c "print(2000*4//5+1)") live resources"
SOCIALFORM_TOKEN="$token" timeout $((limit + 30)) "$target/release/examples/load_test" "$url" bench "$requests" "$concurrency" "$limit"
