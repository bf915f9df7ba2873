/**
 * A builder host for `image bake` tests: the real OpenSSH sshd on loopback (test/support/sshd.ts)
 * that lets in an unprivileged system user `spotrunner-bake` — a member of the `docker` group, as
 * a worker's login user is once Docker is installed — with the test's client key. Commands run
 * as that user, never as root; `docker` reaches the machine's real dockerd.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SystemClock } from '../../src/platform/clock.js';
import { generateTestKeyPair } from './ssh-keys.js';
import { startSshd, type TestSshd } from './sshd.js';

const run = promisify(execFile);
const clock = new SystemClock();

export const BAKE_USER = 'spotrunner-bake';

export interface BakeHost {
  sshd: TestSshd;
  username: string;
  privateKey: string;
  stop(): Promise<void>;
}

/** Runs a user-database command, retrying while another test file holds the passwd lock. */
async function userdb(command: string, args: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(command, args);
      return;
    } catch (err: unknown) {
      if (attempt >= 10) throw err;
      await clock.sleep(100 * attempt);
    }
  }
}

/** Creates the user once (test files may race here, each in its own process). */
async function ensureUser(): Promise<void> {
  const exists = await run('id', ['-u', BAKE_USER]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await run('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/bin/sh',
      BAKE_USER,
    ]).catch(() => undefined); // another process may have made it meanwhile
  }
  const shadow = await readFile('/etc/shadow', 'utf8');
  const entry = shadow.split('\n').find((l) => l.startsWith(`${BAKE_USER}:`));
  const groups = (await run('id', ['-nG', BAKE_USER])).stdout.split(/\s+/);
  // `*`: no password, but not locked — sshd without PAM refuses every login to a locked (`!`)
  // account, keys included.
  if (entry?.split(':')[1] !== '*' || !groups.includes('docker'))
    await userdb('usermod', ['-p', '*', '-aG', 'docker', BAKE_USER]);
}

export async function startBakeHost(): Promise<BakeHost> {
  await ensureUser();
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-bake-host-'));
  await chmod(dir, 0o755);
  const client = generateTestKeyPair('bake-client');
  const keys = path.join(dir, 'authorized_keys');
  await writeFile(keys, client.publicKey + '\n', { mode: 0o644 });
  const dockerConfig = path.join(dir, 'docker');
  await mkdir(dockerConfig, { mode: 0o777 });
  await chmod(dockerConfig, 0o777);
  const sshd = await startSshd({
    keys: { host: generateTestKeyPair('bake-host'), client },
    extraConfig: [
      `Match User ${BAKE_USER}`,
      `  AuthorizedKeysFile ${keys}`,
      `  SetEnv SHLVL=1 DOCKER_CONFIG=${dockerConfig}`,
    ],
  });
  return {
    sshd,
    username: BAKE_USER,
    privateKey: client.privateKey,
    async stop() {
      await sshd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
