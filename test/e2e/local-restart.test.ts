/**
 * The real manager (`spotrunner run`, a child process) with `local` instances, SIGKILLed while a
 * job sleeps, then started again on the same config: nothing of the first run may survive — no
 * instance directory, no process of the job.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { startProcess, type ManagerHandle } from '../e2e-aws/manager-handle.js';
import { e2eConfigToml } from './e2e-config.js';
import { openToJobUser } from './harness.js';
import { processesWith } from '../support/ssh-processes.js';

const clock = new SystemClock();
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  output: () => string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (clock.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n--- manager ---\n${output().slice(-4000)}`);
    }
    await clock.sleep(200);
  }
}

async function startServer(dataDir: string): Promise<SandboxServer> {
  const server = createSandboxServer(
    { clock, logger: new MemoryLogger() },
    { dataDir: join(dataDir, 'gitlab'), longPollMs: 2_000, traceUpdateIntervalS: 1 },
  );
  cleanup.push(() => server.stop());
  return server;
}

describe('the local provider after a manager crash', () => {
  it('leaves no instance directory and no job process of the killed run once restarted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-e2e-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    await openToJobUser(dataDir);
    const server = await startServer(dataDir);
    const { listenUrl } = await server.start();
    const runner = server.createRunner({ description: 'restart e2e', runUntagged: true });
    const configFile = join(dataDir, 'config.toml');
    const toml = e2eConfigToml({
      url: listenUrl,
      token: runner.token,
      dataDir,
      maxInstances: 1,
      capacityPerInstance: 1,
      idleTime: '10m',
    });
    await writeFile(configFile, toml, { mode: 0o600 });

    const marker = `orphan-${randomUUID()}`;
    cleanup.push(async () => {
      // A failed run must not leave its sleepers behind.
      for (const line of await processesWith(marker)) process.kill(Number(line.split(' ')[0]), 9);
    });
    const projectDir = join(dataDir, 'project');
    await mkdir(projectDir);
    await writeFile(
      join(projectDir, '.gitlab-ci.yml'),
      [
        'long:',
        '  variables:',
        `    ORPHAN_MARKER: ${marker}`,
        '  script:',
        `    - bash -c 'sleep 300; echo ${marker}' &`,
        '    - echo "long started"',
        '    - sleep 300',
        '',
      ].join('\n'),
    );
    const project = await server.createProject({ sourceDir: projectDir, name: 'restart' });
    const jobId = (await server.createPipeline(project.id)).jobs[0]!.id;

    let manager: ManagerHandle = startProcess(configFile);
    cleanup.push(() => manager.stop('SIGKILL'));
    const trace = (): string => server.trace(jobId, { plain: true }) ?? '';
    await waitFor(
      'the job under way',
      () => Promise.resolve(trace().includes('long started')),
      () => manager.output(),
    );
    const instancesDir = join(dataDir, 'instances');
    const oldDirs = (await readdir(instancesDir)).filter((n) => /^local-[0-9a-f]+-\d+$/.test(n));
    expect(oldDirs).toHaveLength(1);
    // bash -c (marker in argv), its sleep and the script's sleep (marker in the environment)
    expect((await processesWith(marker)).length).toBeGreaterThanOrEqual(3);

    await manager.stop('SIGKILL');
    manager = startProcess(configFile);
    await waitFor(
      'the new run to remove what the killed one left',
      async () => {
        const left = await readdir(instancesDir);
        return (
          oldDirs.every((d) => !left.includes(d)) && (await processesWith(marker)).length === 0
        );
      },
      () => manager.output(),
    );
    // Neither its instance directory nor its owner record (`local-<token>.owner`).
    const oldRun = /^local-[0-9a-f]+/.exec(oldDirs[0]!)![0];
    expect((await readdir(instancesDir)).filter((n) => n.startsWith(oldRun))).toEqual([]);
    expect(await processesWith(marker)).toEqual([]);
    // The crashed job is reported failed by the new run.
    await waitFor(
      'the leftover job to be failed',
      () => Promise.resolve(server.job(jobId)?.status === 'failed'),
      () => manager.output(),
    );
    await manager.stop('SIGTERM');
    expect(await manager.exited()).toBe(0);
  });
});
