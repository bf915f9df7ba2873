/**
 * How a cancelled command really stops on a remote instance.
 *
 * What OpenSSH does (measured on OpenSSH 9.2, Debian 12):
 * - Each session's command runs as `$SHELL -c <command>` in a new session (sshd calls setsid), so
 *   the command and its children share one process group.
 * - The SSH `signal` channel request becomes `killpg(session leader, sig)` — the whole group — but
 *   only for non-root logins: for root, sshd logs "session signalling requires privilege
 *   separation" and does nothing.
 * - Closing the channel, or losing the connection, does not signal a session without a pty: the
 *   command and its children keep running (re-parented to init when the connection goes).
 *
 * So job scripts are started through `wrapForKill()`: a small `sh` wrapper that starts the command
 * with `setsid` in its own session and process group, writes that id to
 * `${TMPDIR:-/tmp}/spotrunner-exec-<token>.pid`, and starts a watchdog (in a third session, so
 * killing the wrapper's group does not take it down) that kills the command's whole session once
 * the wrapper or its parent — the sshd session process, gone when the connection drops; the
 * manager itself on a local instance — is gone. The whole session, not only the group: a stage
 * script runs its body in a process group of its own (`set -m`), and backgrounded children stay
 * in that group. The watchdog polls once a second, from `/` so it never pins a directory that is
 * being removed. On abort the client runs `killWrappedCommand()` over a second channel: it
 * signals the session by the pid file, and escalates TERM/INT to KILL after `KILL_ESCALATION_S`
 * seconds. Exit codes pass through; a command killed by signal N exits 128+N. The instance needs
 * a POSIX `sh`, `setsid` (util-linux or busybox), `kill`, `sleep` and `cat`; finding the members
 * of the session needs /proc (elsewhere only the group is signalled).
 */

/** Seconds between a TERM/INT sent on abort and the KILL that follows if the group is still alive. */
export const KILL_ESCALATION_S = 10;

/** Quotes a string for a POSIX shell as one word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * `kill_session SIG SID`: signals the process group SID and then, where /proc exists, every
 * process of session SID — a job may move children into process groups of their own (`set -m`
 * in a stage script) but not out of the session without `setsid`.
 */
const KILL_SESSION = [
  'kill_session() {',
  '  case $2 in ""|*[!0-9]*) return 0 ;; esac',
  '  kill -s "$1" -- "-$2" 2>/dev/null',
  '  for _ks_f in /proc/[0-9]*/stat; do',
  '    _ks_l=; { read -r _ks_l <"$_ks_f"; } 2>/dev/null || continue',
  `    _ks_l=\${_ks_l##*') '}`,
  '    set -- "$1" "$2" $_ks_l',
  '    [ "$6" = "$2" ] || continue',
  '    _ks_p=${_ks_f#/proc/}',
  '    kill -s "$1" "${_ks_p%/stat}" 2>/dev/null',
  '  done',
  '}',
].join('\n');

/**
 * `alive PID`: the process exists. A process of another user (the sshd session of a login that
 * switched users, the manager running a local instance's commands as another user) answers
 * `kill -0` with EPERM: it is alive too.
 */
const ALIVE = [
  'alive() {',
  '  kill -0 "$1" 2>/dev/null && return 0',
  '  case $(LC_ALL=C kill -0 "$1" 2>&1) in *ermitted*) return 0 ;; esac',
  '  return 1',
  '}',
].join('\n');

/** Waits while the wrapper ($1) and its parent ($2) live, then kills session $3, removes $4. */
const WATCHDOG = [
  'cd /',
  ALIVE,
  KILL_SESSION,
  'while alive "$1" && alive "$2"; do sleep 1; done',
  'kill_session KILL "$3"; kill_session KILL "$3"',
  'rm -f "$4"',
].join('\n');

const WRAPPER = [
  'f="${TMPDIR:-/tmp}/spotrunner-exec-$1.pid"',
  'exec 3<&0',
  'setsid "${SHELL:-/bin/sh}" -c "$2" <&3 3<&- &',
  'pg=$!',
  'exec 3<&-',
  'echo "$pg" >"$f"',
  `setsid sh -c ${shellQuote(WATCHDOG)} spotrunner-watchdog "$$" "$PPID" "$pg" "$f" </dev/null >/dev/null 2>&1 &`,
  `trap 'kill -s TERM -- "-$pg" 2>/dev/null' TERM INT HUP`,
  'wait "$pg"; rc=$?',
  'while kill -0 "$pg" 2>/dev/null; do wait "$pg"; rc=$?; done',
  'exit "$rc"',
].join('\n');

function assertToken(token: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(token)) throw new Error(`invalid exec token ${token}`);
}

/**
 * The remote command line that runs `command` (through the user's login shell, stdin passed on)
 * in its own process group under a watchdog. `token` names the pid file; make it unique per exec.
 */
export function wrapForKill(command: string, token: string): string {
  assertToken(token);
  return `exec sh -c ${shellQuote(WRAPPER)} spotrunner-exec ${token} ${shellQuote(command)}`;
}

/**
 * The remote command line that signals the process group of a command started with
 * `wrapForKill(…, token)`. It waits up to 2 s for the pid file (abort right after start), and
 * follows TERM/INT with KILL after `KILL_ESCALATION_S` seconds, in the background.
 */
export function killWrappedCommand(token: string, signal: 'TERM' | 'KILL' | 'INT'): string {
  assertToken(token);
  const escalate =
    signal === 'KILL'
      ? ''
      : ` (sleep ${KILL_ESCALATION_S}; kill_session KILL "$pg") </dev/null >/dev/null 2>&1 &`;
  const script = [
    KILL_SESSION,
    `f="\${TMPDIR:-/tmp}/spotrunner-exec-${token}.pid"`,
    'i=0; while [ ! -s "$f" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done',
    'pg=$(cat "$f" 2>/dev/null) || exit 0',
    'rm -f "$f"',
    `kill_session ${signal} "$pg";${escalate} exit 0`,
  ].join('\n');
  // Through `sh`, whatever the login shell is (zsh does not split words as `kill_session` needs).
  return `exec sh -c ${shellQuote(script)}`;
}
