import { randomInt } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { dialSsh } from '../../connect/dial-ssh.js';
import { createHostKeyStore } from '../../connect/host-key-store.js';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import {
  roundTrip,
  startTcpEchoServer,
  startUnixEchoServer,
  type EchoServer,
} from '../../../test/support/ssh-echo.js';
import {
  findProcesses,
  waitForNoProcesses,
  waitForProcesses,
} from '../../../test/support/ssh-processes.js';
import type { InstanceInfo } from '../provider.js';
import { createLocalProvider, type LocalProvider } from './local-provider.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
let dir: string;
let provider: LocalProvider;
let unixEcho: EchoServer;
const opened: InstanceConnection[] = [];

function uniqueSleep(): string {
  return `${800 + randomInt(90)}.${randomInt(100_000, 999_999)}`;
}

async function waitUntil(
  what: string,
  predicate: (infos: InstanceInfo[]) => boolean,
): Promise<void> {
  const deadline = clock.now() + 10_000;
  while (!predicate(await provider.update())) {
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await clock.sleep(25);
  }
}

async function runningInstances(n: number): Promise<string[]> {
  const before = new Set((await provider.update()).map((i) => i.id));
  expect(await provider.increase(n)).toBe(n);
  let fresh: string[] = [];
  await waitUntil(`${n} running`, (infos) => {
    fresh = infos.filter((i) => !before.has(i.id) && i.state === 'running').map((i) => i.id);
    return fresh.length === n;
  });
  return fresh;
}

async function connect(id: string): Promise<InstanceConnection> {
  const hostKeys = await createHostKeyStore({ logger: silentLogger });
  const conn = await dialSsh(deps, await provider.connectInfo(id), { hostKeys });
  opened.push(conn);
  return conn;
}

async function output(conn: InstanceConnection, command: string): Promise<string> {
  let out = '';
  const result = await conn.exec(command, { onStdout: (c) => (out += c.toString()) });
  expect(result.exitCode).toBe(0);
  return out.trim();
}

async function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-local-'));
  unixEcho = await startUnixEchoServer();
  provider = createLocalProvider(deps, { dir, maxInstances: 6, dockerSocket: unixEcho.address });
  await provider.init();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await provider?.shutdown();
  await unixEcho?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('local instances', () => {
  it('gives each instance its own loopback address and working directory', async () => {
    const [a, b] = await runningInstances(2);
    const [ia, ib] = await Promise.all([provider.connectInfo(a!), provider.connectInfo(b!)]);
    expect(ia.internalAddr).toMatch(/^127\.0\.0\.\d+$/);
    expect(ia.internalAddr).not.toBe(ib.internalAddr);
    expect(ia.hostKey).not.toBe(ib.hostKey);
    const [ca, cb] = await Promise.all([connect(a!), connect(b!)]);
    expect(await output(ca, 'pwd; echo $HOME')).toBe(
      `${provider.instanceDir(a!)}\n${provider.instanceDir(a!)}`,
    );
    expect(await output(cb, 'pwd')).toBe(provider.instanceDir(b!));
    expect(await output(ca, 'echo $USER')).toBe(ia.username);
    await ca.exec('echo mine > file.txt');
    expect(await readFile(path.join(provider.instanceDir(a!)!, 'file.txt'), 'utf8')).toBe('mine\n');
    await expect(access(path.join(provider.instanceDir(b!)!, 'file.txt'))).rejects.toThrow();
    await provider.decrease([a!, b!]);
  });

  it('runs commands with exit codes, stdin and separate stderr through dialSsh', async () => {
    const [id] = await runningInstances(1);
    const conn = await connect(id!);
    let out = '';
    let err = '';
    const result = await conn.exec('read x; echo "in:$x"; echo problem >&2; exit 4', {
      stdin: 'abc\n',
      onStdout: (c) => (out += c.toString()),
      onStderr: (c) => (err += c.toString()),
    });
    expect(result).toEqual({ exitCode: 4 });
    expect(out).toBe('in:abc\n');
    expect(err).toBe('problem\n');
    expect(await conn.exec('kill -TERM $$')).toEqual({ exitCode: null, signal: 'TERM' });
    await provider.decrease([id!]);
  });

  it('refuses a client that expects another host key', async () => {
    const [a, b] = await runningInstances(2);
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const info = await provider.connectInfo(a!);
    const other = await provider.connectInfo(b!);
    await expect(
      dialSsh(deps, { ...info, hostKey: other.hostKey }, { hostKeys }),
    ).rejects.toMatchObject({ code: 'host_key_mismatch' });
    await provider.decrease([a!, b!]);
  });

  it.each([
    ['a plain command (signal request)', false],
    ['a wrapped command (processGroup)', true],
  ])('kills the whole process group of %s when cancelled', async (_name, processGroup) => {
    const [id] = await runningInstances(1);
    const conn = await connect(id!);
    const a = uniqueSleep();
    const b = uniqueSleep();
    const controller = new AbortController();
    const running = conn.exec(`(sleep ${a} & sleep ${b}; echo never); echo never`, {
      signal: controller.signal,
      processGroup,
    });
    await waitForProcesses(`sleep ${b}`);
    expect(await findProcesses(`sleep ${a}`)).toHaveLength(1);
    controller.abort();
    await expect(running).rejects.toThrow();
    expect(await waitForNoProcesses(`sleep ${a}`)).toEqual([]);
    expect(await waitForNoProcesses(`sleep ${b}`)).toEqual([]);
    await provider.decrease([id!]);
  });

  it('honours env requests of the SSH session', async () => {
    const [id] = await runningInstances(1);
    const info = await provider.connectInfo(id!);
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({
        host: info.internalAddr,
        port: info.port,
        username: info.username,
        privateKey: info.privateKey,
      });
    });
    const out = await new Promise<string>((resolve, reject) => {
      client.exec('echo "$GREETING"', { env: { GREETING: 'hello env' } }, (err, channel) => {
        if (err) return reject(err);
        let text = '';
        channel.on('data', (c: Buffer) => (text += c.toString()));
        channel.on('close', () => resolve(text));
      });
    });
    client.end();
    expect(out).toBe('hello env\n');
    await provider.decrease([id!]);
  });

  it('forwards the Docker socket path and TCP ports through the tunnel code', async () => {
    const [id] = await runningInstances(1);
    const conn = await connect(id!);
    const docker = await conn.openUnixSocket('/var/run/docker.sock');
    expect(await roundTrip(docker, 'GET /_ping')).toBe('GET /_ping');
    docker.destroy();
    const direct = await conn.openUnixSocket(unixEcho.address);
    expect(await roundTrip(direct, 'direct')).toBe('direct');
    direct.destroy();
    const tcp = await startTcpEchoServer();
    try {
      const stream = await conn.openTcp('127.0.0.1', tcp.port!);
      expect(await roundTrip(stream, 'tcp hello')).toBe('tcp hello');
      stream.destroy();
    } finally {
      await tcp.stop();
    }
    await expect(conn.openUnixSocket('/nonexistent.sock')).rejects.toMatchObject({
      code: 'connect',
    });
    expect(await output(conn, 'echo $DOCKER_HOST')).toBe(`unix://${unixEcho.address}`);
    await provider.decrease([id!]);
  });

  it('leaves no process, listener or directory behind after decrease', async () => {
    const [id] = await runningInstances(1);
    const info = await provider.connectInfo(id!);
    const instanceDir = provider.instanceDir(id!)!;
    const conn = await connect(id!);
    const plain = uniqueSleep();
    const escaped = uniqueSleep();
    const running = conn.exec(`sleep ${plain}`).catch(() => undefined);
    await conn.exec(`setsid sleep ${escaped} >/dev/null 2>&1 < /dev/null &`);
    await waitForProcesses(`sleep ${plain}`);
    expect(await waitForProcesses(`sleep ${escaped}`)).toHaveLength(1);

    expect(await provider.decrease([id!])).toEqual([id]);
    await waitUntil('removal', (infos) => !infos.some((i) => i.id === id));
    await running;
    expect(await findProcesses(`sleep ${plain}`)).toEqual([]);
    expect(await findProcesses(`sleep ${escaped}`)).toEqual([]);
    expect(await refuses(info.internalAddr!, info.port)).toBe(true);
    await expect(access(instanceDir)).rejects.toThrow();
    await expect(provider.connectInfo(id!)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cleans every instance on shutdown and creates none afterwards', async () => {
    const own = createLocalProvider(deps, { dir, maxInstances: 2 });
    await own.init();
    expect(await own.increase(2)).toBe(2);
    let infos = await own.update();
    while (!infos.every((i) => i.state === 'running')) {
      await clock.sleep(20);
      infos = await own.update();
    }
    const ports = await Promise.all(infos.map((i) => own.connectInfo(i.id)));
    const dirs = infos.map((i) => own.instanceDir(i.id)!);
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const conn = await dialSsh(deps, ports[0]!, { hostKeys });
    const marker = uniqueSleep();
    void conn.exec(`sleep ${marker}`).catch(() => undefined);
    await waitForProcesses(`sleep ${marker}`);
    await own.shutdown();
    expect(await own.update()).toEqual([]);
    expect(await findProcesses(`sleep ${marker}`)).toEqual([]);
    for (const p of ports) expect(await refuses(p.internalAddr!, p.port)).toBe(true);
    for (const d of dirs) await expect(access(d)).rejects.toThrow();
    expect(await own.increase(1)).toBe(0);
    await conn.close();
  });
});
