/**
 * `processGroup` on the manager itself (`executor = "shell"`): the command's whole session dies
 * on abort and when the manager process dies. The manager stand-in runs as an unprivileged user
 * when the tests run as root, so no command here runs as root.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { resolveLocalJobUser } from '../providers/local/local-user.js';
import { waitForNoProcesses, waitForProcesses } from '../../test/support/ssh-processes.js';

const MODULE = fileURLToPath(new URL('./process-connection.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

function uniqueSleep(): string {
  return `${400 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
}

/**
 * A node process that execs `command` through a process connection with `processGroup` and
 * aborts it when it reads a line on stdin.
 */
async function startManagerStandIn(command: string): Promise<{
  abort(): void;
  kill(): void;
}> {
  const user = await resolveLocalJobUser(silentLogger);
  const script = [
    `import { createProcessConnection } from ${JSON.stringify(MODULE)};`,
    "const c = createProcessConnection({ instanceId: 'manager', cwd: '/' });",
    'const abort = new AbortController();',
    `void c.exec(${JSON.stringify(command)}, { processGroup: true, killSignal: 'TERM', signal: abort.signal });`,
    "process.stdin.once('data', () => abort.abort());",
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    stdio: ['pipe', 'ignore', 'inherit'],
    ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
  });
  return {
    abort: () => child.stdin.write('abort\n'),
    kill: () => child.kill('SIGKILL'),
  };
}

async function expectAllGone(sleeps: readonly string[]): Promise<void> {
  const left: number[] = [];
  for (const s of sleeps) left.push(...(await waitForNoProcesses(`sleep ${s}`)));
  for (const pid of left) process.kill(pid, 'SIGKILL');
  expect(left).toEqual([]);
}

describe('a wrapped command on the manager itself', () => {
  it.each([
    ['its exec is aborted', 'abort'],
    ['the process that started it is SIGKILLed', 'kill'],
  ] as const)('stops with its whole session when %s', async (_name, how) => {
    const [own, plain] = [uniqueSleep(), uniqueSleep()];
    const standIn = await startManagerStandIn(`set -m; sleep ${own} & set +m; sleep ${plain}`);
    try {
      expect(await waitForProcesses(`sleep ${own}`, 15_000)).toHaveLength(1);
      expect(await waitForProcesses(`sleep ${plain}`)).toHaveLength(1);
    } finally {
      standIn[how]();
    }
    await expectAllGone([own, plain]);
    standIn.kill();
  });
});
