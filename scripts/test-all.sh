#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need (OpenSSH server,
# Docker engine, debootstrap, chromium, git, curl, zip), installs npm dependencies, starts dockerd on its
# unix socket, builds the test images from a Debian root filesystem (cached outside the repo),
# then runs every check: typecheck, lint, build, tests. Stops the dockerd it started.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-analyze >/dev/null || need+=(systemd)
# Debian's chromium: the dashboard test drives it headless (playwright-core, no bundled browser).
command -v chromium >/dev/null || need+=(chromium)
for tool in git curl zip unzip; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${need[@]}"
fi

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== docker engine"
started_docker=0
if ! docker info >/dev/null 2>&1; then bash scripts/start-dockerd.sh; started_docker=1; fi
trap '[ "$started_docker" = 1 ] && bash scripts/stop-dockerd.sh' EXIT

echo "== test images"
bash scripts/build-test-images.sh

echo "== checks"
npm run check
