#!/usr/bin/env bash
# `npm test`: every test. Installs the system packages the tests need first,
# runs every suite even when an earlier one fails, and exits non-zero if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh || exit 1
npm run --silent build || exit 1

failed=()
suite() {
  local name=$1; shift
  echo
  echo "== $name"
  local start=$SECONDS
  if "$@"; then
    echo "== $name: passed in $((SECONDS - start)) s"
  else
    echo "== $name: FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

suite "typecheck" npm run --silent typecheck
suite "unit tests (node)" npm run --silent test:unit
suite "backend tests (node, real broker)" npm run --silent test:broker
suite "abuse suite (node, real broker)" npm run --silent test:abuse
suite "element and engine tests (web-test-runner: Chromium, Firefox ESR)" npm run --silent test:elements
suite "TURN and relay-only tests (real coturn, real browsers)" npm run --silent test:turn
suite "end-to-end tests (two real browsers through the widget)" npm run --silent test:e2e
suite "resilience tests (restarts, renewals, reconnects in real browsers)" npm run --silent test:resilience

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'npm test: FAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
echo "npm test: every suite passed"
