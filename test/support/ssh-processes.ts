/** Process inspection for tests that check what a cancel or a teardown left running (Linux /proc). */
import { readFile, readdir } from 'node:fs/promises';
import { SystemClock } from '../../src/platform/clock.js';

/** Pids whose command line contains `marker`. */
export async function findProcesses(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && cmdline.includes(marker)) pids.push(Number(name));
    } catch {
      // The process ended while we looked: not running.
    }
  }
  return pids;
}

/** Polls until no live process has `marker` in its command line; returns what is left then. */
export async function waitForNoProcesses(marker: string, timeoutMs = 5_000): Promise<number[]> {
  const clock = new SystemClock();
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const left = await findProcesses(marker);
    if (left.length === 0 || clock.now() >= deadline) return left;
    await clock.sleep(100);
  }
}

/** Polls until at least one process has `marker` in its command line. */
export async function waitForProcesses(marker: string, timeoutMs = 5_000): Promise<number[]> {
  const clock = new SystemClock();
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const found = await findProcesses(marker);
    if (found.length > 0 || clock.now() >= deadline) return found;
    await clock.sleep(50);
  }
}
