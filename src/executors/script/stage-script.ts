/**
 * Wraps a stage body into the script that is sent on stdin to `bash -s` (instance/shell) or to
 * a shell in a container (docker). The body runs in a background subshell that leads its own
 * process group (`set -m`); its pgid goes to a pid file so a separate exec can signal the whole
 * tree (`renderKillScript`) even where only the top process receives SSH signals. Whatever the
 * body left running is stopped when it ends, so no stray process holds the output open.
 */
import type { BuildLayout } from './build-layout.js';
import { shellPath, shellQuote } from './shell-quote.js';

export interface StageScriptOptions {
  layout: BuildLayout;
  /** `set -o xtrace` after the exports (CI_DEBUG_TRACE). */
  debugTrace?: boolean;
}

/**
 * The stdin text for one stage. `prologue` (exports, cd) and `body` run with
 * `set -eo pipefail` in the stage's own process group, with stdin from /dev/null and stderr
 * sent to stdout (one stream: the job log shows lines in the order they were written, and a
 * masked value cannot be split by a line from the other stream).
 */
export function renderStageScript(
  prologue: readonly string[],
  body: readonly string[],
  options: StageScriptOptions,
): string {
  const inner = [...prologue, ...(options.debugTrace ? ['set -o xtrace'] : []), ...body].join('\n');
  return [
    '__sr_base=$PWD',
    '__sr_home=$HOME',
    `__sr_project=${shellPath(options.layout.projectDir)}`,
    `__sr_tmp=${shellPath(options.layout.tmpDir)}`,
    'mkdir -p "$__sr_tmp" || exit 1',
    `__sr_pidfile=${shellPath(options.layout.pidFile)}`,
    '__sr_pid=',
    '__sr_forward() { if [ -n "$__sr_pid" ]; then kill -"$1" -- -"$__sr_pid" 2>/dev/null; fi; }',
    "trap '__sr_forward TERM' TERM",
    "trap '__sr_forward INT' INT",
    "trap '__sr_forward HUP' HUP",
    'set -m',
    // stderr joins stdout here, so the log keeps the order lines were written in.
    `( set -eo pipefail; set +o noclobber; eval ${shellQuote(inner)} ) </dev/null 2>&1 &`,
    '__sr_pid=$!',
    'set +m',
    `printf '%s\\n' "$__sr_pid" > "$__sr_pidfile"`,
    'while :; do',
    '  wait "$__sr_pid"; __sr_rc=$?',
    '  kill -0 "$__sr_pid" 2>/dev/null || break',
    'done',
    'if kill -TERM -- -"$__sr_pid" 2>/dev/null; then',
    '  sleep 1; kill -KILL -- -"$__sr_pid" 2>/dev/null',
    'fi',
    'rm -f "$__sr_pidfile"',
    'exit "$__sr_rc"',
    '',
  ].join('\n');
}

/**
 * A script that stops the stage whose pgid is in the layout's pid file: TERM to the group,
 * then KILL after `graceMs` if anything is left. Exits 0 when there is nothing to stop.
 */
export function renderKillScript(layout: BuildLayout, graceMs: number): string {
  const rounds = Math.max(1, Math.ceil(graceMs / 100));
  return [
    '__sr_base=$PWD',
    '__sr_home=$HOME',
    `__sr_pidfile=${shellPath(layout.pidFile)}`,
    '{ read -r __sr_pgid < "$__sr_pidfile"; } 2>/dev/null || exit 0',
    'case "$__sr_pgid" in ""|*[!0-9]*) exit 0 ;; esac',
    'kill -TERM -- -"$__sr_pgid" 2>/dev/null || exit 0',
    '__sr_i=0',
    `while [ "$__sr_i" -lt ${rounds} ]; do`,
    '  kill -0 -- -"$__sr_pgid" 2>/dev/null || exit 0',
    '  sleep 0.1',
    '  __sr_i=$((__sr_i + 1))',
    'done',
    'kill -KILL -- -"$__sr_pgid" 2>/dev/null',
    'exit 0',
    '',
  ].join('\n');
}
