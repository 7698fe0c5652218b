#!/usr/bin/env bash
# `npm test`: every test. Installs the system packages the tests need first,
# runs every suite even when an earlier one fails, and exits non-zero if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh || exit 1
npm run --silent build || exit 1

failed=()
passed_total=0
failed_total=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds one suite's counts: node's test runner ends with "# pass N" / "# fail N";
# web-test-runner prints "<Browser>: … | N passed, M failed" (its last such line per browser is final).
count() {
  local p f
  p=$(grep -aE '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  f=$(grep -aE '^# fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  for browser in Chromium Firefox; do
    local line
    line=$(grep -aoE "$browser: +\|[^|]*\| [0-9]+/[0-9]+ test files \| [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [ -n "$line" ]; then
      p=$((p + $(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line")))
      f=$((f + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
    fi
  done
  passed_total=$((passed_total + p))
  failed_total=$((failed_total + f))
}

suite() {
  local name=$1; shift
  echo
  echo "== $name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  count
  if [ "$status" -eq 0 ]; then
    echo "== $name: passed in $((SECONDS - start)) s"
  else
    echo "== $name: FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

suite "typecheck" npm run --silent typecheck
suite "lint (ESLint with typescript-eslint, Lit and web-components rules; Prettier)" npm run --silent lint
suite "unit tests (node)" npm run --silent test:unit
suite "backend tests (node, real broker)" npm run --silent test:broker
suite "abuse suite (node, real broker)" npm run --silent test:abuse
suite "Redis stores (node, real redis-server)" npm run --silent test:redis
suite "cluster on Redis (2-3 nodes behind real nginx, real browsers)" npm run --silent test:cluster
suite "element and engine tests (web-test-runner: Chromium, Firefox ESR)" npm run --silent test:elements
suite "TURN and relay-only tests (real coturn, real browsers)" npm run --silent test:turn
suite "end-to-end tests (two real browsers through the widget)" npm run --silent test:e2e
suite "resilience tests (restarts, renewals, reconnects in real browsers)" npm run --silent test:resilience
# Last: its `npm pack` rebuilds dist/ from scratch, which the browser suites above serve.
suite "release (npm pack, install --omit=dev, npx rtc-call)" npm run --silent test:release

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'npm test: FAILED suites: %s\n' "${failed[*]}"
  # A suite that failed without a failing test (a crash, a type error) still counts as a failure.
  [ "$failed_total" -gt 0 ] || failed_total=${#failed[@]}
  echo "total: $passed_total passed, $failed_total failed"
  exit 1
fi
echo "npm test: every suite passed"
echo "total: $passed_total passed, $failed_total failed"
