import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { AwsDoubleGroupSpec } from '../../../test/support/aws/double-model.js';
import { generateTestKeyPair } from '../../../test/support/ssh-keys.js';
import type { AwsProviderOptions } from './aws-options.js';
import type { AwsProvider } from './aws-provider.js';
import { publicKeyOf } from './instance-connect.js';

let fx: AwsFixture | undefined;
let keyDir: string | undefined;

afterEach(async () => {
  await fx?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
  fx = keyDir = undefined;
});

async function oneInstance(
  group: Partial<AwsDoubleGroupSpec> = {},
  options: Partial<AwsProviderOptions> = {},
): Promise<{ provider: AwsProvider; id: string }> {
  fx = await startAwsFixture({
    groups: [{ name: 'runners', max: 3, ...group }],
    clock: new VirtualClock(),
  });
  const provider = fx.provider('runners', options);
  await provider.init();
  await provider.increase(1);
  await fx.double.controls.settled();
  const [instance] = await provider.update();
  return { provider, id: instance!.id };
}

async function writeKey(): Promise<{ keyPath: string; privateKey: string; publicKey: string }> {
  keyDir = await mkdtemp(path.join(tmpdir(), 'spotrunner-key-'));
  const pair = generateTestKeyPair();
  const keyPath = path.join(keyDir, 'id_ed25519');
  await writeFile(keyPath, pair.privateKey, { mode: 0o600 });
  return { keyPath, ...pair };
}

describe('aws provider connectInfo', () => {
  it('pushes a fresh ed25519 key with EC2 Instance Connect, valid for 60 s', async () => {
    const { provider, id } = await oneInstance();
    const info = await provider.connectInfo(id);
    expect(info).toMatchObject({
      id,
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      port: 22,
      username: 'ec2-user',
    });
    expect(info.expiresAtMs).toBe(fx!.clock.now() + 60_000);
    expect(info.internalAddr).toMatch(/^127\.0\.0\.\d+$/);
    const [pushed] = fx!.double.controls.pushedKeys(id);
    expect(pushed).toMatchObject({ osUser: 'ec2-user', zone: 'us-east-1a', installed: true });
    expect(pushed!.expiresAtMs - pushed!.atMs).toBe(60_000);
    expect(pushed!.publicKey).toMatch(/^ssh-ed25519 /);
    expect(publicKeyOf(info.privateKey!)).toBe(pushed!.publicKey);
  });

  it('generates a new key for every call', async () => {
    const { provider, id } = await oneInstance();
    const a = await provider.connectInfo(id);
    const b = await provider.connectInfo(id);
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(fx!.double.controls.pushedKeys(id)).toHaveLength(2);
  });

  it('pushes an RSA key when key_type is rsa', async () => {
    const { provider, id } = await oneInstance({}, { keyType: 'rsa' });
    const info = await provider.connectInfo(id);
    expect(fx!.double.controls.pushedKeys(id)[0]!.publicKey).toMatch(/^ssh-rsa /);
    expect(publicKeyOf(info.privateKey!)).toMatch(/^ssh-rsa /);
  });

  it('pushes the key_path key instead of generating one', async () => {
    const key = await writeKey();
    const { provider, id } = await oneInstance(
      {},
      {
        connector: {
          port: 22,
          useStaticCredentials: false,
          useExternalAddr: false,
          keyPath: key.keyPath,
        },
      },
    );
    const info = await provider.connectInfo(id);
    expect(info.privateKey).toBe(key.privateKey);
    expect(fx!.double.controls.pushedKeys(id)[0]!.publicKey).toBe(
      key.publicKey.split(' ').slice(0, 2).join(' '),
    );
  });

  it('returns the static key without pushing anything in static credentials mode', async () => {
    const key = await writeKey();
    const { provider, id } = await oneInstance(
      {},
      {
        connector: {
          port: 2222,
          useStaticCredentials: true,
          useExternalAddr: false,
          keyPath: key.keyPath,
          username: 'runner',
        },
      },
    );
    const info = await provider.connectInfo(id);
    expect(info).toMatchObject({ privateKey: key.privateKey, username: 'runner', port: 2222 });
    expect(info.expiresAtMs).toBeUndefined();
    expect(fx!.double.controls.requests.some((r) => r.action === 'SendSSHPublicKey')).toBe(false);
  });

  it('dials the public address with use_external_addr when the instance has one', async () => {
    const { provider, id } = await oneInstance(
      { publicIps: true },
      { connector: { port: 22, useStaticCredentials: false, useExternalAddr: true } },
    );
    const info = await provider.connectInfo(id);
    expect(info.useExternalAddr).toBe(true);
    expect(info.externalAddr).toMatch(/^198\.51\.100\.\d+$/);
    expect(info.internalAddr).toMatch(/^127\.0\.0\.\d+$/);
  });

  it('falls back to the private address when use_external_addr is set but there is no public one', async () => {
    const { provider, id } = await oneInstance(
      {},
      { connector: { port: 22, useStaticCredentials: false, useExternalAddr: true } },
    );
    const info = await provider.connectInfo(id);
    expect(info.useExternalAddr).toBe(false);
    expect(info.externalAddr).toBeUndefined();
  });

  it('dials the private address by default even when a public one exists', async () => {
    const { provider, id } = await oneInstance({ publicIps: true });
    const info = await provider.connectInfo(id);
    expect(info.useExternalAddr).toBe(false);
    expect(info.externalAddr).toBeDefined();
  });

  it('detects windows (Administrator, RSA key) and darwin/arm64 from EC2', async () => {
    const win = await oneInstance({ platform: 'windows' });
    const w = await win.provider.connectInfo(win.id);
    expect(w).toMatchObject({ os: 'windows', username: 'Administrator' });
    expect(fx!.double.controls.pushedKeys(win.id)[0]!).toMatchObject({ osUser: 'Administrator' });
    expect(fx!.double.controls.pushedKeys(win.id)[0]!.publicKey).toMatch(/^ssh-rsa /);
    await fx!.stop();
    const mac = await oneInstance({ architecture: 'arm64_mac' });
    expect(await mac.provider.connectInfo(mac.id)).toMatchObject({ os: 'darwin', arch: 'arm64' });
  });

  it('fails with not_found for an unknown instance and instance_lost for a reclaimed one', async () => {
    const { provider, id } = await oneInstance();
    await expect(provider.connectInfo('i-0fffffffffffffff0')).rejects.toMatchObject({
      code: 'not_found',
    });
    fx!.double.controls.vanish(id);
    await expect(provider.connectInfo(id)).rejects.toMatchObject({ code: 'instance_lost' });
  });

  it('translates a refused key push into a retryable provider error', async () => {
    const { provider, id } = await oneInstance();
    fx!.double.controls.failAction('SendSSHPublicKey', {
      code: 'EC2InstanceUnavailableException',
      message: 'Instance is unavailable',
      status: 503,
      times: 5,
    });
    const err = await provider.connectInfo(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpotrunnerError);
    expect((err as SpotrunnerError).retryable).toBe(true);
    expect((err as Error).message).toContain('SendSSHPublicKey');
  });
});
