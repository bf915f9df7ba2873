/** Process inspection for tests that check what a cancel or a teardown left running (Linux /proc). */
import { readFile, readdir } from 'node:fs/promises';
import { SystemClock } from '../../src/platform/clock.js';

/** Pids of live processes whose arguments, joined by spaces, are exactly `command`. */
export async function findProcesses(command: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replace(/\0$/, '');
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && argv.split('\0').join(' ') === command) pids.push(Number(name));
    } catch {
      // The process ended while we looked: not running.
    }
  }
  return pids;
}

/** Polls until no live process runs exactly `command`; returns what is left then. */
export async function waitForNoProcesses(command: string, timeoutMs = 5_000): Promise<number[]> {
  const clock = new SystemClock();
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const left = await findProcesses(command);
    if (left.length === 0 || clock.now() >= deadline) return left;
    await clock.sleep(100);
  }
}

/** Polls until at least one live process runs exactly `command`. */
export async function waitForProcesses(command: string, timeoutMs = 5_000): Promise<number[]> {
  const clock = new SystemClock();
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const found = await findProcesses(command);
    if (found.length > 0 || clock.now() >= deadline) return found;
    await clock.sleep(50);
  }
}

/** Live processes whose command line or environment contains `marker`, as `pid argv`. */
export async function processesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (argv.includes(marker) || environ.includes(marker)) found.push(`${pid} ${argv}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}
