#!/usr/bin/env bash
# Test: needs the build artifact (dist/) and keeps a run counter in the cache (.cache/).
set -euo pipefail
test -f dist/greeting.txt || { echo "dist/greeting.txt missing: artifacts were not downloaded"; exit 1; }
expected="$(printf '%s, %s!' "${GREETING:-hello}" sandbox)"
actual="$(cat dist/greeting.txt)"
if [ "$actual" != "$expected" ]; then
  echo "expected '$expected' but got '$actual'"
  exit 1
fi
mkdir -p .cache
runs=$(( $(cat .cache/runs 2>/dev/null || echo 0) + 1 ))
echo "$runs" > .cache/runs
echo "test passed (run $runs with this cache)"
