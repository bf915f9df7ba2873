/**
 * The instance executor over real OpenSSH, logged in as an unprivileged user: a job's whole
 * process tree dies when the job is cancelled or when the connection goes (the manager died),
 * though sshd itself leaves the commands of a closed session running.
 */
import { randomInt } from 'node:crypto';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { dialSsh } from '../../connect/dial-ssh.js';
import { createHostKeyStore } from '../../connect/host-key-store.js';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { ensureLoginUser } from '../../../test/support/login-user.js';
import { startSshd, type TestSshd } from '../../../test/support/sshd.js';
import { waitForNoProcesses, waitForProcesses } from '../../../test/support/ssh-processes.js';
import { runJob } from '../testing/executor-harness.js';
import { makeJob } from '../testing/job-fixture.js';

const clock = new SystemClock();
let sshd: TestSshd;
let root: string;

/** A `sleep` duration no other process on the machine uses, to find ours by command line. */
function uniqueSleep(): string {
  return `${700 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
}

async function dial(): Promise<InstanceConnection> {
  const hostKeys = await createHostKeyStore({ logger: silentLogger });
  return dialSsh(
    { clock, logger: silentLogger },
    {
      id: 'sshd-jobs',
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      internalAddr: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.privateKey,
      hostKey: sshd.hostKey,
    },
    { hostKeys },
  );
}

/** Sleepers in the script's process group, in a group of their own, and in the foreground. */
function sleepers(): { sleeps: string[]; script: string[] } {
  const [background, ownGroup, foreground] = [uniqueSleep(), uniqueSleep(), uniqueSleep()];
  return {
    sleeps: [background, ownGroup, foreground],
    script: [
      `sleep ${background} &`,
      `set -m; sleep ${ownGroup} & set +m`,
      'echo "sleepers started"',
      `sleep ${foreground}`,
    ],
  };
}

/** Waits until every sleeper runs (the foreground one starts a moment after the echo). */
async function whenAllRun(sleeps: readonly string[], then: () => void): Promise<number[]> {
  const found: number[] = [];
  for (const s of sleeps) found.push(...(await waitForProcesses(`sleep ${s}`)));
  then();
  return found;
}

async function expectAllGone(sleeps: readonly string[]): Promise<void> {
  for (const s of sleeps) expect(await waitForNoProcesses(`sleep ${s}`)).toEqual([]);
}

beforeAll(async () => {
  const user = await ensureLoginUser();
  sshd = await startSshd({ user: user.name });
  root = await mkdtemp(path.join(tmpdir(), 'spotrunner-sshd-jobs-'));
  await chown(root, user.uid, user.gid);
});

afterAll(async () => {
  await sshd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('jobs over OpenSSH as an unprivileged user', () => {
  const shellOptions = (): { buildsDir: string; cacheDir: string } => ({
    buildsDir: path.join(root, 'builds'),
    cacheDir: path.join(root, 'cache'),
  });

  it("kills a cancelled job's whole process tree, backgrounded children included", async () => {
    const conn = await dial();
    const { sleeps, script } = sleepers();
    const cancel = new AbortController();
    let seen: number[] = [];
    try {
      const { outcome, trace } = await runJob(makeJob({ script: ['id -u', ...script] }), {
        dir: root,
        connection: conn,
        shellOptions: shellOptions(),
        cancel,
        arm: (t) =>
          t.when('sleepers started\n', () => {
            void whenAllRun(sleeps, () => cancel.abort()).then((found) => (seen = found));
          }),
      });
      expect(outcome.failureReason).toBe('job_canceled');
      expect(trace.plain).not.toMatch(/^0$/m); // not root
    } finally {
      await conn.close();
    }
    expect(seen).toHaveLength(3);
    await expectAllGone(sleeps);
  });

  it('kills the job when the connection is lost (sshd alone would leave it running)', async () => {
    const conn = await dial();
    const { sleeps, script } = sleepers();
    let seen: number[] = [];
    const { outcome } = await runJob(makeJob({ script }), {
      dir: root,
      connection: conn,
      shellOptions: shellOptions(),
      arm: (t) =>
        t.when('sleepers started\n', () => {
          void whenAllRun(sleeps, () => void conn.close()).then((found) => (seen = found));
        }),
    });
    expect(outcome.failureReason).toBe('runner_system_failure');
    expect(seen).toHaveLength(3);
    await expectAllGone(sleeps);
  });
});
