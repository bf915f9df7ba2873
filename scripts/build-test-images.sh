#!/usr/bin/env bash
# Builds the Docker images spotrunner's tests and the docker-autoscaler executor use, from a
# Debian root filesystem (no image registry is needed or reached):
#   spotrunner-helper:latest      Debian bookworm + git, curl, zip/unzip, ca-certificates, busybox
#                                 (the helper image: git checkout, cache and artifacts)
#   spotrunner-test/debian:bookworm  the same root filesystem, used as a job and service image in tests
# Built images are cached as tarballs outside the repository (SPOTRUNNER_IMAGE_CACHE, default
# /var/cache/spotrunner/images), keyed by this script's content, so later runs only `docker load`.
set -euo pipefail

cache_dir=${SPOTRUNNER_IMAGE_CACHE:-/var/cache/spotrunner/images}
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
packages=git,ca-certificates,curl,zip,unzip,busybox,procps
key=$(sha256sum "$0" | cut -c1-12)
tarball="$cache_dir/spotrunner-helper-$key.tar"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if have_image spotrunner-helper:latest && have_image spotrunner-test/debian:bookworm \
  && [ "$(docker image inspect -f '{{index .Config.Labels "spotrunner.key"}}' spotrunner-helper:latest 2>/dev/null)" = "$key" ]; then
  echo "test images present (key $key)"
  exit 0
fi

mkdir -p "$cache_dir"
if [ -f "$tarball" ]; then
  echo "loading cached test images from $tarball"
  docker load -i "$tarball"
  exit 0
fi

command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
rootfs=$(mktemp -d /tmp/spotrunner-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap bookworm into $rootfs from $mirror (a few minutes)…"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >/tmp/spotrunner-debootstrap.log 2>&1 \
  || { tail -n 30 /tmp/spotrunner-debootstrap.log >&2; exit 1; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["/bin/bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL spotrunner.key=$key" \
  - spotrunner-helper:latest
docker tag spotrunner-helper:latest spotrunner-test/debian:bookworm
docker save -o "$tarball.tmp" spotrunner-helper:latest spotrunner-test/debian:bookworm
mv "$tarball.tmp" "$tarball"
echo "built and cached $tarball"
