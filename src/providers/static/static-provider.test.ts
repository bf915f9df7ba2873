import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../platform/clock.js';
import { UserError } from '../../platform/errors.js';
import { silentLogger } from '../../platform/logger.js';
import { startSshd, type TestSshd } from '../../../test/support/sshd.js';
import { dialTestSsh } from '../../../test/support/sshd-dial.js';
import { describeProviderContract } from '../provider.contract.js';
import { createStaticProvider } from './static-provider.js';
import type { StaticProviderOptions } from './static-options.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
let sshd: TestSshd;
let dir: string;
let keyPath: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-static-'));
  keyPath = path.join(dir, 'id_ed25519');
  await writeFile(keyPath, sshd.privateKey, { mode: 0o600 });
});

afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The one test sshd listed three times under different names. */
function options(): StaticProviderOptions {
  return {
    hosts: ['alpha', 'beta', 'gamma'].map((name) => ({
      name,
      address: sshd.host,
      port: sshd.port,
      hostKey: sshd.hostKey,
    })),
    connector: { username: sshd.username, keyPath },
  };
}

describeProviderContract('static', async () => {
  const provider = createStaticProvider(deps, options());
  return { provider, clock, cleanup: () => provider.shutdown() };
});

describe('static hosts as a pool', () => {
  it('has one slot per host and hands hosts out in order, running at once', async () => {
    const provider = createStaticProvider(deps, options());
    expect((await provider.init()).maxSize).toBe(3);
    expect(await provider.increase(2)).toBe(2);
    expect((await provider.update()).map((i) => [i.id, i.state])).toEqual([
      ['alpha', 'running'],
      ['beta', 'running'],
    ]);
    expect(await provider.increase(5)).toBe(1);
    expect(await provider.increase(1)).toBe(0);
  });

  it('takes a returned host again later', async () => {
    const provider = createStaticProvider(deps, options());
    await provider.init();
    await provider.increase(3);
    expect(await provider.decrease(['beta', 'nope'])).toEqual(['beta']);
    expect((await provider.update()).map((i) => i.id)).toEqual(['alpha', 'gamma']);
    await expect(provider.connectInfo('beta')).rejects.toMatchObject({ code: 'not_found' });
    expect(await provider.increase(1)).toBe(1);
    expect((await provider.update()).map((i) => i.id)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('gives connect info that reaches the host with its pinned key', async () => {
    const provider = createStaticProvider(deps, options());
    await provider.init();
    await provider.increase(1);
    const info = await provider.connectInfo('alpha');
    expect(info).toMatchObject({ internalAddr: sshd.host, port: sshd.port, hostKey: sshd.hostKey });
    const conn = await dialTestSsh(info);
    let out = '';
    expect(await conn.exec('echo static', { onStdout: (c) => (out += c.toString()) })).toEqual({
      exitCode: 0,
    });
    expect(out).toBe('static\n');
    await conn.close();
  });
});

describe('static host keys', () => {
  async function initError(keyFile: string): Promise<UserError> {
    const provider = createStaticProvider(deps, {
      hosts: [{ name: 'box', address: '127.0.0.1', username: 'ci', keyPath: keyFile }],
    });
    try {
      await provider.init();
    } catch (err: unknown) {
      if (err instanceof UserError) return err;
      throw err;
    }
    throw new Error('init should have failed');
  }

  it('names the key file it cannot read', async () => {
    const missing = path.join(dir, 'missing_key');
    const err = await initError(missing);
    expect(err.message).toContain(`cannot read SSH key file ${missing}`);
    expect(err.message).toContain('static host box');
  });

  it('names a key file that holds no private key', async () => {
    const garbage = path.join(dir, 'garbage_key');
    await writeFile(garbage, 'this is not a key\n');
    expect((await initError(garbage)).message).toMatch(
      new RegExp(`SSH key file ${garbage} .*is not a usable private key`),
    );
    const pub = path.join(dir, 'id.pub');
    await writeFile(pub, sshd.publicKey + '\n');
    expect((await initError(pub)).message).toContain('holds a public key');
  });

  it('reads the key again once the file is fixed', async () => {
    const later = path.join(dir, 'later_key');
    const provider = createStaticProvider(deps, {
      hosts: [{ name: 'box', address: '127.0.0.1', username: 'ci', keyPath: later }],
    });
    await expect(provider.init()).rejects.toThrow(later);
    await writeFile(later, sshd.privateKey);
    await expect(provider.init()).resolves.toMatchObject({ maxSize: 1 });
  });
});
