/**
 * A builder host for `image bake` tests: the real OpenSSH sshd on loopback (test/support/sshd.ts)
 * that lets in an unprivileged system user `spotrunner-bake` — a member of the `docker` group, as
 * a worker's login user is once Docker is installed — with the test's client key. Commands run
 * as that user, never as root; `docker` reaches the machine's real dockerd.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateTestKeyPair } from './ssh-keys.js';
import { startSshd, type TestSshd } from './sshd.js';

const run = promisify(execFile);

export const BAKE_USER = 'spotrunner-bake';

export interface BakeHost {
  sshd: TestSshd;
  username: string;
  privateKey: string;
  stop(): Promise<void>;
}

async function ensureUser(): Promise<void> {
  try {
    await run('id', ['-u', BAKE_USER]);
  } catch {
    await run('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/bin/sh',
      BAKE_USER,
    ]);
  }
  // `*`: no password, but not locked — sshd without PAM refuses every login to a locked (`!`)
  // account, keys included.
  await run('usermod', ['-p', '*', '-aG', 'docker', BAKE_USER]);
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
