#!/usr/bin/env bash
# Stops a dockerd started by start-dockerd.sh (and only that one).
set -euo pipefail
pidfile=/tmp/spotrunner-dockerd.pid
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" kill "$pid" 2>/dev/null || true
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
rm -f "$pidfile"
