import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExecOptions, InstanceConnection } from '../../connect/connection.js';
import { dialSsh } from '../../connect/dial-ssh.js';
import { createHostKeyStore } from '../../connect/host-key-store.js';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { waitForNoProcesses, waitForProcesses } from '../../../test/support/ssh-processes.js';
import { createLocalProvider, type LocalProvider } from './local-provider.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
const asRoot = userInfo().uid === 0;
let dir: string;
let provider: LocalProvider;
const opened: InstanceConnection[] = [];

async function runningInstance(): Promise<string> {
  const before = new Set((await provider.update()).map((i) => i.id));
  expect(await provider.increase(1)).toBe(1);
  for (;;) {
    const fresh = (await provider.update()).find((i) => !before.has(i.id));
    if (fresh?.state === 'running') return fresh.id;
    await clock.sleep(25);
  }
}

async function connect(id: string): Promise<InstanceConnection> {
  const hostKeys = await createHostKeyStore({ logger: silentLogger });
  const conn = await dialSsh(deps, await provider.connectInfo(id), { hostKeys });
  opened.push(conn);
  return conn;
}

async function run(
  conn: InstanceConnection,
  command: string,
  options: ExecOptions = {},
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  const result = await conn.exec(command, {
    ...options,
    onStdout: (c) => (out += c.toString()),
    onStderr: (c) => (err += c.toString()),
  });
  return { code: result.exitCode, out: out.trim(), err: err.trim() };
}

function uniqueSleep(): string {
  return `${600 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
}

beforeAll(async () => {
  // A private temp dir (mode 0700, owned by root): the provider opens it for search itself.
  dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-local-user-'));
  provider = createLocalProvider(deps, { dir, maxInstances: 3 });
  await provider.init();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await provider?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('the user local instances run jobs as', () => {
  it('is never root: an unprivileged user of its own when the manager is root, else the manager', async () => {
    const user = provider.jobUser()!;
    const id = await runningInstance();
    const conn = await connect(id);
    const uid = await run(conn, 'id -u');
    if (asRoot) {
      expect(user).toMatchObject({ name: 'spotrunner', switched: true });
      expect(uid.out).not.toBe('0');
    } else {
      expect(user).toMatchObject({ name: userInfo().username, switched: false });
    }
    expect(uid.out).toBe(String(user.uid));
    expect(await run(conn, 'echo "$USER $LOGNAME"')).toMatchObject({
      out: `${user.name} ${user.name}`,
    });
    expect((await provider.connectInfo(id)).username).toBe(user.name);
    await provider.decrease([id]);
  });

  it.runIf(asRoot)(
    'cannot change the machine: writing /etc fails with permission denied',
    async () => {
      const id = await runningInstance();
      const conn = await connect(id);
      const target = '/etc/spotrunner-test';
      expect(existsSync(target)).toBe(false);
      const touched = await run(conn, `touch ${target}`);
      const created = existsSync(target);
      if (created) await rm(target); // the machine is left as it was, even when this fails
      expect(touched.code).not.toBe(0);
      expect(touched.err).toContain('Permission denied');
      expect(created).toBe(false);
      await provider.decrease([id]);
    },
  );

  it.runIf(asRoot)('must reach the directory: init says so when a parent stops it', async () => {
    const closed = path.join(dir, 'closed'); // dir is searchable; closed (0700) is not
    await mkdir(closed, { mode: 0o700 });
    const blocked = createLocalProvider(deps, { dir: path.join(closed, 'instances') });
    await expect(blocked.init()).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringContaining('who cannot reach') as unknown,
    });
    await blocked.shutdown();
  });

  it('owns its instance directory and can work there (files, git with HOME there)', async () => {
    const id = await runningInstance();
    const instanceDir = provider.instanceDir(id)!;
    const info = await stat(instanceDir);
    expect(info.uid).toBe(provider.jobUser()!.uid);
    expect(info.mode & 0o777).toBe(0o700);
    const conn = await connect(id);
    const work = await run(
      conn,
      [
        'set -e',
        'mkdir -p builds/a && echo data > builds/a/file',
        'git config --global user.email job@example.com && git config --global user.name job',
        'git init -q repo && cd repo && echo x > f && git add f && git commit -qm one',
        'git log --format=%s',
      ].join('\n'),
    );
    expect(work).toMatchObject({ code: 0, out: 'one' });
    expect(existsSync(path.join(instanceDir, '.gitconfig'))).toBe(true);
    await provider.decrease([id]);
  });

  it('runs a wrapped command to its end (its watchdog sees the manager alive)', async () => {
    const id = await runningInstance();
    const conn = await connect(id);
    // The watchdog polls once a second: a command of 2.5 s outlives two of its checks.
    const result = await run(conn, 'sleep 2.5; echo finished', { processGroup: true });
    expect(result).toMatchObject({ code: 0, out: 'finished' });
    await provider.decrease([id]);
  });

  it('kills every process group a wrapped command made once its connection is gone', async () => {
    const id = await runningInstance();
    const conn = await connect(id);
    const [own, plain] = [uniqueSleep(), uniqueSleep()];
    const running = conn
      .exec(`set -m; sleep ${own} & set +m; sleep ${plain}`, { processGroup: true })
      .catch(() => undefined);
    expect(await waitForProcesses(`sleep ${own}`)).toHaveLength(1);
    expect(await waitForProcesses(`sleep ${plain}`)).toHaveLength(1);
    await conn.close();
    await running;
    // Still before any teardown of the instance: the watchdog alone.
    const left = [
      ...(await waitForNoProcesses(`sleep ${plain}`)),
      ...(await waitForNoProcesses(`sleep ${own}`)),
    ];
    expect(provider.instanceDir(id)).toBeDefined();
    await provider.decrease([id]);
    expect(left).toEqual([]);
  });
});
