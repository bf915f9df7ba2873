/** The processes a local instance runs: each exec is a process group; teardown kills them all. */
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';

/** Signals an SSH client may name in a `signal` request (RFC 4254 §6.10). */
const SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT']);
['SEGV', 'TERM', 'USR1', 'USR2'].forEach((s) => SIGNALS.add(s));

/** `TERM` → `SIGTERM`, or undefined for names SSH does not define. */
export function toNodeSignal(name: string): NodeJS.Signals | undefined {
  const bare = name.toUpperCase().replace(/^SIG/, '');
  return SIGNALS.has(bare) ? (`SIG${bare}` as NodeJS.Signals) : undefined;
}

/**
 * Signals the process group led by `child` (spawned detached); false when it is gone. With
 * `evenAfterExit`, members left behind by a leader that has exited are signalled too (Linux
 * does not hand out a pid while it still names a live process group).
 */
export function signalGroup(
  child: ChildProcess,
  signal: NodeJS.Signals,
  evenAfterExit = false,
): boolean {
  const exited = child.exitCode !== null || child.signalCode !== null;
  if (child.pid === undefined || (exited && !evenAfterExit)) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    // ESRCH: the group is already gone.
    return false;
  }
}

export class ProcessSet {
  readonly #children = new Set<ChildProcess>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  /** Pids of the group leaders still running. */
  pids(): number[] {
    return [...this.#children].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** SIGKILLs every group and waits (bounded) until each leader has exited. */
  async killAll(clock: Clock, timeoutMs = 5_000): Promise<void> {
    const waits = [...this.#children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
          signalGroup(child, 'SIGKILL');
        }),
    );
    const timeout = new AbortController();
    await Promise.race([
      Promise.all(waits),
      clock.sleep(timeoutMs, timeout.signal).then(() => {
        this.#logger.warn({ left: this.pids() }, 'processes did not exit after SIGKILL');
      }),
    ]).finally(() => timeout.abort());
  }
}

/** What identifies a process of a local instance: where it runs, or what it inherited. */
export interface InstanceProcessMatch {
  /** Working directories (the process's cwd is one of them or below). */
  dirs: readonly string[];
  /** `SPOTRUNNER_INSTANCE_ID` values, or prefixes of them ending in `-` (every instance of a run). */
  instanceIds: readonly string[];
}

const INSTANCE_ENV = 'SPOTRUNNER_INSTANCE_ID=';

function isInside(cwd: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => {
    const root = path.resolve(d);
    return cwd === root || cwd.startsWith(root + path.sep);
  });
}

function hasInstanceId(environ: string, ids: readonly string[]): boolean {
  for (const entry of environ.split('\0')) {
    if (!entry.startsWith(INSTANCE_ENV)) continue;
    const value = entry.slice(INSTANCE_ENV.length);
    if (ids.some((id) => (id.endsWith('-') ? value.startsWith(id) : value === id))) return true;
  }
  return false;
}

/** Pids (not ours) that match by working directory or by the instance id in their environment. */
async function findInstanceProcesses(match: InstanceProcessMatch): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => undefined);
    if (cwd !== undefined && isInside(cwd, match.dirs)) {
      found.push(Number(name));
      continue;
    }
    if (match.instanceIds.length === 0) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (hasInstanceId(environ, match.instanceIds)) found.push(Number(name));
  }
  return found;
}

/**
 * Kills, with SIGKILL, every process of the instances in `match` — whatever escaped its process
 * group (setsid, double fork), whatever was left by a manager that died. Looks again after each
 * round, for children forked meanwhile. Linux only (/proc); elsewhere a no-op. Returns the pids
 * it signalled.
 */
export async function killInstanceProcesses(
  match: InstanceProcessMatch,
  logger: Logger,
): Promise<number[]> {
  const killed: number[] = [];
  for (let round = 0; round < 3; round++) {
    const pids = (await findInstanceProcesses(match)).filter((p) => !killed.includes(p));
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch (err: unknown) {
        logger.debug({ pid, err: describeError(err) }, 'cannot kill leftover process');
      }
    }
  }
  if (killed.length > 0) {
    logger.info({ pids: killed, dirs: match.dirs }, 'killed leftover processes');
  }
  return killed;
}
