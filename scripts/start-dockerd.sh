#!/usr/bin/env bash
# Starts a Docker engine if none answers: Debian's dockerd, unix socket only (no TCP), logs in
# /tmp/spotrunner-dockerd.log. Prints "started <pid>" or "running". Exits non-zero if it cannot.
set -euo pipefail
if docker info >/dev/null 2>&1; then echo running; exit 0; fi
command -v dockerd >/dev/null || { echo "dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# fds 3-9 closed: dockerd must not inherit a caller's lock (flock FILE cmd), or it holds it forever.
"${sudo_cmd[@]}" sh -c 'nohup dockerd --host=unix:///var/run/docker.sock </dev/null >/tmp/spotrunner-dockerd.log 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- & echo $! >/tmp/spotrunner-dockerd.pid'
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "started $(cat /tmp/spotrunner-dockerd.pid)"; exit 0; fi
  sleep 0.5
done
echo "dockerd did not come up; last log lines:" >&2
tail -n 20 /tmp/spotrunner-dockerd.log >&2
exit 1
