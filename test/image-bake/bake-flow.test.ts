/**
 * `image bake` end to end: the real AWS SDK against the AWS double, a builder that is a real
 * sshd on loopback logged into as an unprivileged user, the real Docker engine. Docker is already
 * there (the install step is skipped) and the images exist locally (no registry is reachable here).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakeImage } from '../../src/images/bake-image.js';
import type { LocalImages } from '../../src/images/copy-image.js';
import { startBakeFixture, TEMPLATE, type BakeFixture } from './bake-fixture.js';

const IMAGE = 'spotrunner-test/debian:bookworm';
const HELPER = 'spotrunner-helper:latest';
const run = promisify(execFile);

let fx: BakeFixture;
beforeAll(async () => {
  fx = await startBakeFixture();
}, 60_000);
afterAll(async () => {
  await fx?.stop();
});

describe('image bake', () => {
  it('bakes the images into an AMI, tags it, makes it the template default and ends the builder', async () => {
    const lines: string[] = [];
    const result = await bakeImage(await fx.deps(lines), {
      launchTemplate: TEMPLATE,
      images: [IMAGE],
      helperImage: HELPER,
      amiName: 'spotrunner-workers-test-1',
      tags: { team: 'ci' },
    });
    expect(lines.join('\n')).toMatch(/install docker: docker already installed: \d+\./);
    expect(lines).toContain(`  helper image ${HELPER}: present: ${HELPER}`);
    expect(lines).toContain(`  pull ${IMAGE}: present: ${IMAGE}`);
    expect(fx.host.sshd.output()).toContain(`Accepted publickey for ${fx.host.username}`);

    const image = await fx.image(result.imageId);
    expect(image?.State).toBe('available');
    expect(image?.Name).toBe('spotrunner-workers-test-1');
    expect(Object.fromEntries((image?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      Name: 'spotrunner-workers-test-1',
      'spotrunner:images': '1',
      team: 'ci',
    });
    expect(await fx.defaultTemplateImage()).toEqual({ imageId: result.imageId, version: 2 });
    expect(await fx.builderState(result.builderId)).toBe('terminated');

    const run = fx.double.controls.requests.find((r) => r.action === 'RunInstances');
    expect(run?.params).toMatchObject({
      MinCount: '1',
      MaxCount: '1',
      ImageId: 'ami-0spotrunner000001',
      'LaunchTemplate.Version': '1',
    });
  }, 120_000);

  it('terminates the builder and makes no image when a step fails mid-bake', async () => {
    const lines: string[] = [];
    const before = fx.double.controls.requests.length;
    const missing = '127.0.0.1:1/spotrunner-test/missing:none';
    await expect(
      bakeImage(await fx.deps(lines), {
        launchTemplate: TEMPLATE,
        images: [IMAGE, missing],
        helperImage: HELPER,
        amiName: 'spotrunner-workers-test-2',
      }),
    ).rejects.toThrow(`bake step "pull ${missing}" failed`);
    const calls = fx.double.controls.requests.slice(before).map((r) => r.action);
    expect(calls).toContain('TerminateInstances');
    expect(calls).not.toContain('CreateImage');
    const builderId = fx.double.controls.requests
      .slice(before)
      .find((r) => r.action === 'TerminateInstances')?.params['InstanceId.1'] as string;
    expect(await fx.builderState(builderId)).toBe('terminated');
    expect(lines).toContain(`builder ${builderId} terminated`);
  }, 120_000);

  it('copies a locally built helper image to the builder instead of pulling it', async () => {
    const docker = new Docker({ socketPath: '/var/run/docker.sock' });
    const probe = `spotrunner-test/copy-probe:${randomUUID().slice(0, 8)}`;
    const dir = await mkdtemp(join(tmpdir(), 'copy-probe-'));
    await writeFile(join(dir, 'marker'), 'baked\n');
    await run('sh', ['-c', `tar -C ${dir} -c . | docker import - ${probe}`]);
    await rm(dir, { recursive: true, force: true });
    // The builder shares this machine's engine: take the image out of it once saved, so the
    // builder's `docker load` is what brings it back.
    const local: LocalImages = {
      async save(name) {
        const stream = (await docker.getImage(name).get()) as Readable;
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        await docker.getImage(name).remove();
        return Readable.from([Buffer.concat(chunks)]);
      },
    };
    const lines: string[] = [];
    try {
      await bakeImage(
        { ...(await fx.deps(lines)), localImages: local },
        {
          launchTemplate: TEMPLATE,
          images: [],
          helperImage: probe,
          copyHelper: true,
          amiName: 'spotrunner-workers-test-copy',
        },
      );
      expect(lines.join('\n')).toMatch(
        new RegExp(`copy ${probe}: [0-9.]+ MB, Loaded image: ${probe}`),
      );
      expect((await docker.getImage(probe).inspect()).RepoTags).toContain(probe);
    } finally {
      await docker
        .getImage(probe)
        .remove()
        .catch(() => undefined);
    }
  }, 120_000);
});
