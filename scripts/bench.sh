#!/usr/bin/env bash
# `npm run bench`: every benchmark, then one table of the call-setup and size
# figures with the ratios product/limit and product/PeerJS. Figures of one
# run are compared with each other only (the machine's speed cancels out).
# BENCH_RUNS sets the measured calls per call-setup benchmark (default 20).
# BENCH_SKIP_BACKEND=1 skips the backend's own benchmarks (start and idle
# memory, auth, password hashing, user store, broker load, presence with rooms).
# BENCH_PRESENCE_CLIENTS sets the clients of the presence-with-rooms benchmark
# (default 10000: about 7 minutes on 2 cores, with the global baseline and the
# 10 rooms of 1,000 cut at their time limits, marked †; 1000 for a quick run).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
runs="${BENCH_RUNS:-20}"
out="test-results/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
failed=0
run() {
  echo
  echo "== $*"
  "$@" || { echo "!! failed: $*"; failed=1; }
}

run npm run --silent build
run npx tsx bench/bundle-size.ts --json "$out/bundle-size.json"
run npx tsx bench/call-setup-limit.ts --runs "$runs" --json "$out/call-setup-limit.json"
run npx tsx bench/call-setup-peerjs.ts --runs "$runs" --json "$out/call-setup-peerjs.json"
run npx tsx bench/call-setup-product.ts --runs "$runs" --json "$out/call-setup-product.json"
run npx tsx bench/group-call.ts --json "$out/group-call.json"
run npx tsx bench/file-transfer.ts --json "$out/file-transfer.json"
if [ "${BENCH_SKIP_BACKEND:-0}" != 1 ]; then
  run npx tsx bench/server-start.ts
  run npx tsx bench/backend-auth.ts
  run npx tsx bench/password-hashing.ts
  run npx tsx bench/user-store.ts
  run npx tsx bench/session-revocation.ts
  run npm run --silent bench:broker
  run npm run --silent bench:presence -- --json "$out/presence-rooms.json"
fi

run npx tsx bench/report.ts "$out"
echo
echo "Results: $out"
exit "$failed"
