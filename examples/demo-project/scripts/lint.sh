#!/usr/bin/env bash
# Lint: fails on purpose to show allow_failure (the pipeline passes with warnings).
set -euo pipefail
if grep -n 'TODO' src/*.sh; then
  echo "lint: found TODO markers"
  exit 1
fi
echo "lint: clean"
exit 1
