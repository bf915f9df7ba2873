import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { waitForNoProcesses, waitForProcesses } from '../../../test/support/ssh-processes.js';
import { createLocalProvider, type LocalProvider } from './local-provider.js';
import { resolveLocalJobUser } from './local-user.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
let dir: string;
const providers: LocalProvider[] = [];
const sleeps: string[] = [];

function uniqueSleep(): string {
  const s = `${500 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
  sleeps.push(s);
  return s;
}

/** A pid that no process has right now: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A detached `sleep` as the job user, like a job process whose manager died. */
async function orphanSleep(cwd: string, instanceId: string): Promise<string> {
  const user = await resolveLocalJobUser(silentLogger);
  const duration = uniqueSleep();
  const child = spawn('sleep', [duration], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SPOTRUNNER_INSTANCE_ID: instanceId },
    detached: true,
    stdio: 'ignore',
    ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
  });
  child.unref();
  expect(await waitForProcesses(`sleep ${duration}`)).toHaveLength(1);
  return duration;
}

async function newProvider(): Promise<LocalProvider> {
  const provider = createLocalProvider(deps, { dir, maxInstances: 2 });
  providers.push(provider);
  await provider.init();
  return provider;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-local-leftovers-'));
});

afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown();
  for (const s of sleeps.splice(0)) {
    for (const pid of await waitForNoProcesses(`sleep ${s}`, 0)) process.kill(pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

describe('local instances left by a manager that died', () => {
  it('are removed at init, with every process they ran, and nothing of a live run is touched', async () => {
    const live = await newProvider();
    expect(await live.increase(1)).toBe(1);
    let liveId: string | undefined;
    while (!liveId) {
      liveId = (await live.update()).find((i) => i.state === 'running')?.id;
      await clock.sleep(20);
    }
    const liveDir = live.instanceDir(liveId)!;

    // A run whose manager is gone: its record names a pid nobody has now.
    await writeFile(path.join(dir, 'local-dead01.owner'), JSON.stringify({ pid: await deadPid() }));
    const deadDir = path.join(dir, 'local-dead01-1');
    await mkdir(deadDir);
    await writeFile(path.join(deadDir, 'work.txt'), 'left behind');
    const inDir = await orphanSleep(deadDir, 'local-dead01-1');
    // Another instance of that run, already without directory, whose job moved to /.
    const moved = await orphanSleep('/', 'local-dead01-2');
    // A run whose pid now belongs to another process (started later than the record says).
    await writeFile(
      path.join(dir, 'local-dead02.owner'),
      JSON.stringify({ pid: process.pid, startTicks: '1' }),
    );
    await mkdir(path.join(dir, 'local-dead02-4'));
    // An instance directory without any owner record.
    await mkdir(path.join(dir, 'local-0bad00-3'));
    await writeFile(path.join(dir, 'notes.txt'), 'not an instance');

    await newProvider();
    const left = await readdir(dir);
    expect(left.filter((n) => /dead0|0bad00/.test(n))).toEqual([]);
    expect(left).toContain('notes.txt');
    expect(existsSync(liveDir)).toBe(true);
    expect(await waitForNoProcesses(`sleep ${inDir}`, 0)).toEqual([]);
    expect(await waitForNoProcesses(`sleep ${moved}`, 0)).toEqual([]);
    expect((await live.update()).map((i) => i.id)).toEqual([liveId]);
  });

  it('leave no owner record after a clean shutdown', async () => {
    const provider = await newProvider();
    expect((await readdir(dir)).filter((n) => n.endsWith('.owner'))).toHaveLength(1);
    await provider.shutdown();
    expect(await readdir(dir)).toEqual([]);
  });
});
