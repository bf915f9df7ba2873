#!/usr/bin/env bash
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=greeting.sh
source "$here/greeting.sh"
greet "${1:-world}"
