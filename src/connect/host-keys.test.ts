import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectInfo } from '../providers/provider.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger, silentLogger } from '../platform/logger.js';
import { startSshd, type TestSshd } from '../../test/support/sshd.js';
import { generateTestKeyPair } from '../../test/support/ssh-keys.js';
import { sshdConnectInfo } from '../../test/support/sshd-dial.js';
import { dialSsh } from './dial-ssh.js';
import { fingerprintOf, parseHostKey } from './host-key.js';
import { createHostKeyStore } from './host-key-store.js';

const clock = new SystemClock();
let first: TestSshd;
let second: TestSshd;

/** Connect info with `hostKey` pinned, or none (trust on first use). */
const infoFor = (server: TestSshd, id: string, hostKey?: string): ConnectInfo =>
  sshdConnectInfo(server, id, { hostKey });

function sshKeygenFingerprint(publicKey: string): string {
  const out = execFileSync('ssh-keygen', ['-lf', '-'], { input: publicKey + '\n' });
  return out.toString().split(' ')[1]!;
}

beforeAll(async () => {
  [first, second] = await Promise.all([startSshd(), startSshd()]);
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('host key fingerprints', () => {
  it('match what ssh-keygen prints', () => {
    const parsed = parseHostKey(first.hostKey);
    expect(parsed.kind === 'key' && fingerprintOf(parsed.blob)).toBe(
      sshKeygenFingerprint(first.hostKey),
    );
  });
});

describe('pinned host keys', () => {
  it('connects when the presented key is the pinned one, as a key or a fingerprint', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const byKey = await dialSsh(
      { clock, logger: silentLogger },
      infoFor(first, 'a', first.hostKey),
      {
        hostKeys,
      },
    );
    await byKey.close();
    const fingerprint = sshKeygenFingerprint(first.hostKey);
    const byFingerprint = await dialSsh(
      { clock, logger: silentLogger },
      infoFor(first, 'a', fingerprint),
      { hostKeys },
    );
    await byFingerprint.close();
    expect(hostKeys.known('a')).toBeUndefined();
  });

  it('refuses a server whose key differs from the pinned one', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const other = generateTestKeyPair().publicKey;
    await expect(
      dialSsh({ clock, logger: silentLogger }, infoFor(first, 'b', other), { hostKeys }),
    ).rejects.toMatchObject({
      code: 'host_key_mismatch',
      retryable: false,
      message: expect.stringContaining(sshKeygenFingerprint(first.hostKey)) as unknown,
    });
  });
});

describe('trust on first use', () => {
  it('learns the first key of an instance id, logs its fingerprint, then refuses another key', async () => {
    const logger = new MemoryLogger();
    const hostKeys = await createHostKeyStore({ logger });
    const conn = await dialSsh({ clock, logger }, infoFor(first, 'i-1'), { hostKeys });
    await conn.close();
    const learned = logger.records.find((r) => r.msg === 'host key learned on first use');
    expect(learned?.level).toBe('info');
    expect(learned?.fields).toMatchObject({
      instanceId: 'i-1',
      fingerprint: sshKeygenFingerprint(first.hostKey),
    });

    const again = await dialSsh({ clock, logger }, infoFor(first, 'i-1'), { hostKeys });
    await again.close();
    await expect(
      dialSsh({ clock, logger }, infoFor(second, 'i-1'), { hostKeys }),
    ).rejects.toMatchObject({ code: 'host_key_mismatch', retryable: false });
    const other = await dialSsh({ clock, logger }, infoFor(second, 'i-2'), { hostKeys });
    await other.close();
  });

  it('accepts a new key for an id once the instance was forgotten', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    await (
      await dialSsh({ clock, logger: silentLogger }, infoFor(first, 'i-3'), { hostKeys })
    ).close();
    hostKeys.forget('i-3');
    const conn = await dialSsh({ clock, logger: silentLogger }, infoFor(second, 'i-3'), {
      hostKeys,
    });
    await conn.close();
    expect(hostKeys.known('i-3')).toBe(second.hostKey);
  });

  it('keeps learned keys in a file across restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-hostkeys-'));
    const file = path.join(dir, 'host-keys.json');
    try {
      const before = await createHostKeyStore({ logger: silentLogger }, { path: file });
      await (
        await dialSsh({ clock, logger: silentLogger }, infoFor(first, 'i-4'), { hostKeys: before })
      ).close();
      await before.flush();
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
        version: 1,
        hosts: { 'i-4': first.hostKey },
      });
      const after = await createHostKeyStore({ logger: silentLogger }, { path: file });
      expect(after.known('i-4')).toBe(first.hostKey);
      await expect(
        dialSsh({ clock, logger: silentLogger }, infoFor(second, 'i-4'), { hostKeys: after }),
      ).rejects.toMatchObject({ code: 'host_key_mismatch' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start from a corrupt key file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-hostkeys-'));
    const file = path.join(dir, 'host-keys.json');
    try {
      await writeFile(file, '{"version":1,"hosts":{"x":"not a key"}}');
      await expect(createHostKeyStore({ logger: silentLogger }, { path: file })).rejects.toThrow(
        /corrupt/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
