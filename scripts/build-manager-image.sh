#!/usr/bin/env bash
# Builds the spotrunner manager image (packaging/docker/Dockerfile) from the packed package.
#   scripts/build-manager-image.sh [--tag spotrunner:0.1.0] [--base node:20-bookworm-slim]
#                                  [--tarball spotrunner-0.1.0.tgz] [--npm-cache ~/.npm] [--offline]
# Without --tarball it runs `npm pack` (whose prepack builds dist/). --npm-cache puts that npm
# cache into the build context so the image installs without reaching npm's registry (--offline
# then forbids the registry altogether). --test-base builds and uses spotrunner-test/node:bookworm:
# the Debian root filesystem of scripts/build-test-images.sh plus this machine's node and npm (for
# machines that reach no image registry, like the test machines).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

tag=spotrunner:latest base=node:20-bookworm-slim tarball= npm_cache= offline=0 test_base=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --tarball) tarball=$(realpath "$2"); shift 2 ;;
    --npm-cache) npm_cache=$(realpath "$2"); shift 2 ;;
    --offline) offline=1; shift ;;
    --test-base) test_base=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

ctx=$(mktemp -d /tmp/spotrunner-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT

if [ "$test_base" = 1 ]; then
  # Node as this machine runs it, on the Debian root filesystem the other test images use.
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  key=$( (sha256sum "$node_bin" "$0" | cut -c1-64; cat "$npm_dir/package.json") | sha256sum | cut -c1-12)
  base=spotrunner-test/node:bookworm
  if [ "$(docker image inspect -f '{{index .Config.Labels "spotrunner.key"}}' "$base" 2>/dev/null)" != "$key" ]; then
    bash "$repo/scripts/build-test-images.sh" >/dev/null
    mkdir -p "$ctx/base"
    cp "$node_bin" "$ctx/base/node"
    cp -a "$npm_dir" "$ctx/base/npm"
    cat >"$ctx/base/Dockerfile" <<DOCKERFILE
FROM spotrunner-test/debian:bookworm
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
LABEL spotrunner.key=$key
DOCKERFILE
    docker build -q -t "$base" "$ctx/base" >/dev/null
    rm -rf "$ctx/base"
  fi
fi

if [ -z "$tarball" ]; then
  (cd "$repo" && npm pack --pack-destination "$ctx" >/dev/null)
  mv "$ctx"/spotrunner-*.tgz "$ctx/spotrunner.tgz"
else
  cp "$tarball" "$ctx/spotrunner.tgz"
fi

mkdir -p "$ctx/npm-cache"
flags=--prefer-offline
if [ -n "$npm_cache" ]; then
  # Resolve the dependency tree once here so the cache holds every package document the install
  # in the image reads (tarballs are there from `npm ci`).
  mkdir -p "$ctx/dry-run/lib"
  npm install -g --prefix "$ctx/dry-run" --cache "$npm_cache" --prefer-offline --dry-run \
    --no-audit --no-fund "$ctx/spotrunner.tgz" >/dev/null
  rm -rf "$ctx/dry-run"
  cp -al "$npm_cache/_cacache" "$ctx/npm-cache/_cacache" 2>/dev/null \
    || cp -a "$npm_cache/_cacache" "$ctx/npm-cache/_cacache"
fi
[ "$offline" = 1 ] && flags=--offline
cp "$repo/packaging/docker/Dockerfile" "$repo/packaging/docker/healthcheck.mjs" "$ctx/"

# Extra `docker build` flags (e.g. --no-cache, --platform) from DOCKER_BUILD_FLAGS.
# shellcheck disable=SC2086
docker build ${DOCKER_BUILD_FLAGS:-} -t "$tag" --build-arg "BASE=$base" --build-arg "NPM_INSTALL_FLAGS=$flags" "$ctx"
