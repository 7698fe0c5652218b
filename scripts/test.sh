#!/usr/bin/env bash
# `npm test`: every test. Installs the system packages the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
npm run --silent build
npm run --silent typecheck
echo "== unit tests (node)"
npm run --silent test:unit
echo "== backend tests (node, real broker)"
npm run --silent test:broker
echo "== element tests (web-test-runner, Chromium and Firefox ESR)"
npm run --silent test:elements
