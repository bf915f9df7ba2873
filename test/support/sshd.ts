/**
 * Starts Debian's OpenSSH server on 127.0.0.1 for tests: a temp host key, a generated client key
 * in authorized_keys, a free port. `stop()` kills it and removes the temp files. Tests that need
 * it fail (not skip) when openssh-server is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { SystemClock } from '../../src/platform/clock.js';
import { generateTestKeyPair, type TestKeyPair } from './ssh-keys.js';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface StartSshdOptions {
  /** Extra sshd_config lines (e.g. `ClientAliveInterval 1`). */
  extraConfig?: readonly string[];
  /** How long to wait for the port to answer with an SSH banner. */
  startTimeoutMs?: number;
  /** Listen on this port (e.g. one handed out before the server starts); default a free one. */
  port?: number;
  /** Host and client keys made beforehand (e.g. for a config written before it starts). */
  keys?: { host: TestKeyPair; client: TestKeyPair };
  /** The user that logs in (see `ensureLoginUser`); default the user running the tests. */
  user?: string;
}

export interface TestSshd {
  host: string;
  port: number;
  username: string;
  /** Client private key accepted by this server (OpenSSH format). */
  privateKey: string;
  /** Client public key line (as written to authorized_keys). */
  publicKey: string;
  /** The server's host public key, `ssh-ed25519 AAAA…` (no comment). */
  hostKey: string;
  /** Everything sshd printed on stderr so far (it runs with `-e`). */
  output(): string;
  stop(): Promise<void>;
}

export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshd> {
  await assertSshdInstalled();
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-sshd-'));
  // sshd reads authorized_keys as the login user.
  if (options.user) await chmod(dir, 0o711);
  const host = '127.0.0.1';
  const hostPair = options.keys?.host ?? generateTestKeyPair('test-host');
  const clientPair = options.keys?.client ?? generateTestKeyPair('test-client');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort(host));
    const configPath = await writeSshdFiles(dir, host, port, hostPair, clientPair, options);
    const launched = await launchSshd(host, port, configPath, options.startTimeoutMs ?? 10_000);
    if ('error' in launched) {
      // Another process may have taken the port between our probe and sshd's bind.
      const retry = options.port === undefined && attempt < 3;
      if (retry && /Address already in use/.test(launched.error.message)) continue;
      await rm(dir, { recursive: true, force: true });
      throw launched.error;
    }
    return {
      host,
      port,
      username: options.user ?? userInfo().username,
      privateKey: clientPair.privateKey,
      publicKey: clientPair.publicKey,
      hostKey: hostPair.publicKey.split(' ').slice(0, 2).join(' '),
      output: launched.output,
      stop: async () => {
        await killAndWait(launched.child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

async function launchSshd(
  host: string,
  port: number,
  configPath: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; output: () => string } | { error: Error }> {
  // Own process group, so stopping it also ends the per-connection sshd processes it forked.
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const output = (): string => text;
  try {
    await waitForBanner(host, port, child, output, timeoutMs);
    return { child, output };
  } catch (err: unknown) {
    await killAndWait(child);
    return { error: err instanceof Error ? err : new Error(String(err)) };
  }
}

async function writeSshdFiles(
  dir: string,
  host: string,
  port: number,
  hostPair: TestKeyPair,
  clientPair: TestKeyPair,
  options: StartSshdOptions,
): Promise<string> {
  const hostKeyPath = path.join(dir, 'ssh_host_ed25519_key');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  const configPath = path.join(dir, 'sshd_config');
  await writeFile(hostKeyPath, hostPair.privateKey, { mode: 0o600 });
  // Readable by a login user other than root (StrictModes is off).
  await writeFile(authorizedKeys, clientPair.publicKey + '\n', { mode: 0o644 });
  const config = [
    `ListenAddress ${host}`,
    `Port ${port}`,
    `HostKey ${hostKeyPath}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'LogLevel VERBOSE',
    // Debian's bash sources ~/.bashrc for sshd sessions when SHLVL < 2; keep test sessions
    // hermetic (and fast) whatever the machine's rc files do.
    'SetEnv SHLVL=1',
    ...(options.extraConfig ?? []),
  ];
  await writeFile(configPath, config.join('\n') + '\n');
  return configPath;
}

async function assertSshdInstalled(): Promise<void> {
  try {
    await access(SSHD_PATH);
  } catch {
    throw new Error(
      `${SSHD_PATH} is missing: install openssh-server (apt-get install -y openssh-server) to run the SSH tests`,
    );
  }
}

/** A port that was free a moment ago on `host`. */
export async function findFreePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForBanner(
  host: string,
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const clock = new SystemClock();
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited early (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    if (await readsBanner(host, port)) return;
    await clock.sleep(50);
  }
  throw new Error(`sshd did not answer on ${host}:${port} within ${timeoutMs} ms:\n${output()}`);
}

function readsBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  await exited;
}
