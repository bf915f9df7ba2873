#!/usr/bin/env bash
# Build: copy the sources into dist/ and record what was built.
set -euo pipefail
rm -rf dist
mkdir -p dist
cp src/*.sh dist/
bash dist/main.sh sandbox > dist/greeting.txt
echo "built from ${CI_COMMIT_SHA:-unknown}" > dist/BUILD_INFO
ls -l dist
