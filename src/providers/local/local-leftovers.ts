/**
 * What a local provider left behind when its manager died (SIGKILL, OOM, power loss): instance
 * directories and the processes its jobs ran. Each provider run writes an owner record,
 * `<dir>/local-<token>.owner` with its process id and start time, before it creates any instance
 * (`local-<token>-<n>`). At start, every instance directory whose owner record is missing or
 * names a process that is gone (or a newer process with the same pid) is an orphan: its
 * processes — found by working directory and by `SPOTRUNNER_INSTANCE_ID` in their environment —
 * are killed, and the directory and the record are removed. Runs of a live manager sharing the
 * directory are never touched.
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { killInstanceProcesses } from './local-processes.js';

const INSTANCE_DIR = /^local-([0-9a-f]+)-\d+$/;
const OWNER_RECORD = /^local-([0-9a-f]+)\.owner$/;

interface OwnerRecord {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks?: string;
}

/** The start time of a process (Linux), to tell it from a later process with the same pid. */
async function processStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerRecordPath(dir: string, token: string): string {
  return path.join(dir, `local-${token}.owner`);
}

export async function writeOwnerRecord(dir: string, token: string): Promise<void> {
  const startTicks = await processStartTicks(process.pid);
  const record: OwnerRecord = { pid: process.pid, ...(startTicks ? { startTicks } : {}) };
  await writeFile(ownerRecordPath(dir, token), `${JSON.stringify(record)}\n`, { mode: 0o644 });
}

export async function removeOwnerRecord(dir: string, token: string): Promise<void> {
  await rm(ownerRecordPath(dir, token), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isOwnerAlive(dir: string, token: string): Promise<boolean> {
  let record: OwnerRecord;
  try {
    record = JSON.parse(await readFile(ownerRecordPath(dir, token), 'utf8')) as OwnerRecord;
  } catch {
    return false; // no record (or a torn one): nobody can be using these instances
  }
  if (!Number.isInteger(record.pid) || record.pid <= 0 || !isAlive(record.pid)) return false;
  if (record.startTicks === undefined) return true;
  const now = await processStartTicks(record.pid);
  return now === undefined || now === record.startTicks;
}

export interface ReapResult {
  /** Instance directories removed. */
  removed: string[];
  /** Processes killed. */
  killed: number[];
}

/** Removes the instances of dead runs in `dir` (see the file comment); never those of `ownToken`. */
export async function reapEarlierRuns(
  dir: string,
  ownToken: string,
  logger: Logger,
): Promise<ReapResult> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const byToken = new Map<string, string[]>();
  for (const name of entries) {
    const token = INSTANCE_DIR.exec(name)?.[1] ?? OWNER_RECORD.exec(name)?.[1];
    if (token === undefined || token === ownToken) continue;
    byToken.set(token, [...(byToken.get(token) ?? []), name]);
  }
  const result: ReapResult = { removed: [], killed: [] };
  for (const [token, names] of byToken) {
    if (await isOwnerAlive(dir, token)) continue;
    const instances = names.filter((n) => INSTANCE_DIR.test(n));
    const dirs = instances.map((n) => path.join(dir, n));
    const killed = await killInstanceProcesses({ dirs, instanceIds: [`local-${token}-`] }, logger);
    result.killed.push(...killed);
    for (const d of dirs) {
      try {
        await rm(d, { recursive: true, force: true });
        result.removed.push(d);
      } catch (err: unknown) {
        logger.error({ dir: d, err: describeError(err) }, 'cannot remove leftover instance');
      }
    }
    await removeOwnerRecord(dir, token);
    if (instances.length > 0) {
      logger.warn(
        { instances, killed: killed.length },
        'removed local instances left by an earlier run',
      );
    }
  }
  return result;
}
