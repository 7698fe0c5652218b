#!/usr/bin/env bash
# `npm run test:release`: packs the release once (its `prepack` rebuilds dist/
# from scratch) and hands the tarball to every test/release file, which would
# otherwise each pack it again (test/release/support.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d -t rtc-call-pack-XXXXXX)
trap 'rm -rf "$dir"' EXIT
start=$SECONDS
npm pack --silent --pack-destination "$dir" >/dev/null || exit 1
echo "# release packed in $((SECONDS - start)) s"
RTC_RELEASE_TARBALL=$(ls "$dir"/*.tgz) node --import tsx --test --test-timeout=600000 test/release/*.test.ts
