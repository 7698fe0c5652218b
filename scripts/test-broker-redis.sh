#!/usr/bin/env bash
# `npm run test:broker:redis`: the backend suite (test/broker) with every backend on Redis:
# one real redis-server (no persistence) on a free loopback port, REDIS_URL and JWT_SECRET in
# the environment (startTestBackend reads them through the config), flushed before each file so
# files do not see each other's accounts. Tests that read DATA_DIR's JSON files themselves skip
# on Redis and say why (test/broker/support.ts: `jsonFilesOnly`). Redis is emptied before each
# test too (test/support/redis-flush-each.ts): every test comes from 127.0.0.1 and counts its own limits.
set -uo pipefail
cd "$(dirname "$0")/.."
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
dir=$(mktemp -d)
/usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export REDIS_URL="redis://127.0.0.1:$port" JWT_SECRET="one secret that every node of the test suite shares"
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(test/broker/*.test.ts)
status=0
for file in "${files[@]}"; do
  redis-cli -p "$port" flushall >/dev/null
  echo "# file: $file"
  node --import tsx --import ./test/support/redis-flush-each.ts --test --test-concurrency=1 --test-timeout=600000 "$file" || status=1
done
exit $status
