#!/usr/bin/env bash
# Prints the greeting for a name.
greet() {
  printf '%s, %s!\n' "${GREETING:-hello}" "${1:-world}"
}
