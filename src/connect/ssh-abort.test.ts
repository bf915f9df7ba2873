import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSshd } from '../../test/support/sshd.js';
import { dialTestSsh, sshdConnectInfo, startSshdConnection } from '../../test/support/sshd-dial.js';
import {
  findProcesses,
  waitForNoProcesses,
  waitForProcesses,
} from '../../test/support/ssh-processes.js';
import type { InstanceConnection } from './connection.js';

let sshd: TestSshd;
let conn: InstanceConnection;

/** A `sleep` duration no other process on the machine uses, to find ours by command line. */
function uniqueSleep(): string {
  return `${900 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
}

beforeAll(async () => {
  ({ sshd, conn } = await startSshdConnection('sshd-abort'));
});

afterAll(async () => {
  await conn?.close();
  await sshd?.stop();
});

describe('aborting a command on OpenSSH (tests run as root: sshd ignores `signal` there)', () => {
  it('kills a long sleep and every child of the script when run as a process group', async () => {
    const a = uniqueSleep();
    const b = uniqueSleep();
    const controller = new AbortController();
    const running = conn.exec(`(sleep ${a} & sleep ${b}; echo never) ; echo never`, {
      processGroup: true,
      signal: controller.signal,
    });
    expect(await waitForProcesses(`sleep ${b}`)).toHaveLength(1);
    expect(await findProcesses(`sleep ${a}`)).toHaveLength(1);
    controller.abort();
    await expect(running).rejects.toThrow();
    expect(await waitForNoProcesses(`sleep ${a}`)).toEqual([]);
    expect(await waitForNoProcesses(`sleep ${b}`)).toEqual([]);
  });

  it('stops a process group with TERM when killSignal is TERM', async () => {
    const a = uniqueSleep();
    const controller = new AbortController();
    const running = conn.exec(`sleep ${a}; echo never`, {
      processGroup: true,
      killSignal: 'TERM',
      signal: controller.signal,
    });
    await waitForProcesses(`sleep ${a}`);
    controller.abort();
    await expect(running).rejects.toThrow();
    expect(await waitForNoProcesses(`sleep ${a}`)).toEqual([]);
  });

  it('keeps stdin, output and the exit code of a wrapped command', async () => {
    let out = '';
    let err = '';
    const result = await conn.exec('read line; echo "got $line"; echo oops >&2; exit 7', {
      processGroup: true,
      stdin: 'hello\n',
      onStdout: (c) => (out += c.toString()),
      onStderr: (c) => (err += c.toString()),
    });
    expect(result).toEqual({ exitCode: 7 });
    expect(out).toBe('got hello\n');
    expect(err).toBe('oops\n');
  });

  it('kills a wrapped command when the connection is lost', async () => {
    const a = uniqueSleep();
    const other = await dialTestSsh(sshdConnectInfo(sshd, 'sshd-abort'));
    const running = other.exec(`sleep ${a} & sleep ${a}; echo never`, { processGroup: true });
    expect(await waitForProcesses(`sleep ${a}`)).not.toHaveLength(0);
    await other.close();
    await expect(running).rejects.toMatchObject({ code: 'connect', retryable: true });
    expect(await waitForNoProcesses(`sleep ${a}`)).toEqual([]);
  });

  it('leaves an unwrapped command running when sshd ignores the signal (why processGroup exists)', async () => {
    const a = uniqueSleep();
    const controller = new AbortController();
    const running = conn.exec(`sleep ${a}; echo done`, { signal: controller.signal });
    await waitForProcesses(`sleep ${a}`);
    controller.abort();
    await expect(running).rejects.toThrow();
    expect(sshd.output()).toContain('session signalling requires privilege separation');
    const left = await findProcesses(`sleep ${a}`);
    expect(left).toHaveLength(1);
    for (const pid of left) process.kill(pid, 'SIGKILL');
  });
});
