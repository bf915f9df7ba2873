import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import { startLocalBacking, type LocalBacking } from '../../../test/support/aws/local-backing.js';
import { dialTestSsh } from '../../../test/support/sshd-dial.js';
import {
  checkInstanceMetadata,
  metadataScript,
  noticeFromMetadataOutput,
} from './instance-metadata.js';

let fx: AwsFixture | undefined;
let backing: LocalBacking | undefined;
let connection: InstanceConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await fx?.stop();
  await backing?.stop();
  fx = backing = connection = undefined;
});

/**
 * One spot instance of the double, running as a real local instance, dialled over SSH with the
 * ConnectInfo the aws provider builds from DescribeInstances (static key mode: the local
 * instance's key, its port as connector_config.port).
 */
async function dialOneInstance(): Promise<{ id: string; conn: InstanceConnection }> {
  backing = await startLocalBacking();
  fx = await startAwsFixture({ groups: [{ name: 'spot', max: 2, desired: 1 }], backing });
  await fx.double.controls.settled();
  const [instance] = fx.double.controls.instances('spot');
  const local = await backing.localConnectInfo(instance!.backingId!);
  const keyPath = path.join(fx.profile.dir, 'instance-key');
  await writeFile(keyPath, local.privateKey!, { mode: 0o600 });
  const provider = fx.provider('spot', {
    connector: {
      port: local.port,
      username: local.username,
      keyPath,
      useStaticCredentials: true,
      useExternalAddr: false,
    },
  });
  await provider.init();
  const info = await provider.connectInfo(instance!.id);
  expect(info.internalAddr).toBe(local.internalAddr);
  connection = await dialTestSsh({ ...info, hostKey: local.hostKey });
  return { id: instance!.id, conn: connection };
}

const wholeSeconds = (ms: number): number => Math.floor(ms / 1_000) * 1_000;

describe('checkInstanceMetadata (IMDSv2 through curl on the instance)', () => {
  it('finds nothing, then a rebalance, then a termination at the announced time', async () => {
    const { id, conn } = await dialOneInstance();
    const out: Buffer[] = [];
    const ran = await conn.exec('printf "%s" "$PWD"', { onStdout: (c) => out.push(c) });
    expect(ran.exitCode).toBe(0);
    expect(Buffer.concat(out).toString()).toContain('spotrunner-aws-local-');
    const baseUrl = fx!.double.controls.metadataUrl(id);
    expect(await checkInstanceMetadata(conn, { baseUrl })).toBeUndefined();

    const rebalanceAt = fx!.clock.now();
    fx!.double.controls.interrupt(id, { kind: 'rebalance' });
    const rebalance = await checkInstanceMetadata(conn, { baseUrl });
    expect(rebalance?.kind).toBe('rebalance');
    expect(rebalance!.deadlineMs - wholeSeconds(rebalanceAt)).toBeLessThanOrEqual(1_000);

    const warnedAt = fx!.clock.now();
    fx!.double.controls.interrupt(id, { noticeMs: 90_000 });
    const termination = await checkInstanceMetadata(conn, { baseUrl });
    expect(termination?.kind).toBe('termination');
    expect(termination!.deadlineMs).toBeGreaterThanOrEqual(wholeSeconds(warnedAt + 90_000));
    expect(termination!.deadlineMs).toBeLessThanOrEqual(warnedAt + 91_000);
  });

  it('fails with a provider error when IMDS cannot be reached', async () => {
    const { conn } = await dialOneInstance();
    await expect(
      checkInstanceMetadata(conn, { baseUrl: 'http://127.0.0.1:9', timeoutSeconds: 1 }),
    ).rejects.toMatchObject({
      code: 'provider',
    });
  });
});

describe('noticeFromMetadataOutput', () => {
  it('reads a stop warning as a termination and ignores 404s', () => {
    const out =
      '@@action 200\n{"action":"stop","time":"2026-01-05T00:02:00Z"}\n@@rebalance 404\n<html>not found</html>\n';
    expect(noticeFromMetadataOutput(out)).toEqual({
      kind: 'termination',
      deadlineMs: Date.UTC(2026, 0, 5, 0, 2, 0),
    });
    expect(noticeFromMetadataOutput('@@action 404\n\n@@rebalance 404\n\n')).toBeUndefined();
  });

  it('rejects a token failure and unexpected statuses', () => {
    expect(() => noticeFromMetadataOutput('@@token failed\n')).toThrow(/IMDSv2 token/);
    expect(() => noticeFromMetadataOutput('@@action 401\n\n@@rebalance 404\n')).toThrow(/HTTP 401/);
  });

  it('quotes the base URL for the shell', () => {
    expect(metadataScript("http://x/'a", 2)).toContain(`b='http://x/'\\''a'`);
  });
});
