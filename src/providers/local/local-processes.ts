/** The processes a local instance runs: each exec is a process group; teardown kills them all. */
import type { ChildProcess } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
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

/**
 * Kills, with SIGKILL, every process whose working directory is `dir` or below it — whatever
 * escaped its process group (setsid, double fork). Linux only (/proc); elsewhere a no-op.
 * Returns the pids it signalled.
 */
export async function killProcessesUnder(dir: string, logger: Logger): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const root = path.resolve(dir);
  const killed: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cwd: string;
    try {
      cwd = await readlink(`/proc/${name}/cwd`);
    } catch {
      continue; // gone, or not ours to inspect
    }
    if (cwd !== root && !cwd.startsWith(root + path.sep)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      killed.push(Number(name));
    } catch (err: unknown) {
      logger.debug({ pid: Number(name), err: describeError(err) }, 'cannot kill leftover process');
    }
  }
  if (killed.length > 0) logger.info({ pids: killed, dir }, 'killed leftover processes');
  return killed;
}
