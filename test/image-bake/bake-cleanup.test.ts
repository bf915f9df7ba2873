/**
 * An interrupted bake leaves nothing behind: an AWS error after CreateImage deregisters the
 * unfinished AMI and deletes its snapshot; an abort (what SIGINT does) mid-step terminates the
 * builder before any image is made. Same setup as bake-flow.test.ts.
 */
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakeImage } from '../../src/images/bake-image.js';
import { startBakeFixture, TEMPLATE, type BakeFixture } from './bake-fixture.js';

const IMAGE = 'spotrunner-test/debian:bookworm';
const HELPER = 'spotrunner-helper:latest';

let fx: BakeFixture;
beforeAll(async () => {
  fx = await startBakeFixture();
}, 60_000);
afterAll(async () => {
  await fx?.stop();
});

function callsSince(before: number): { action: string; params: Record<string, unknown> }[] {
  return fx.double.controls.requests.slice(before);
}

describe('an interrupted image bake', () => {
  it('deregisters the half-made image (and its snapshot) and ends the builder when AWS fails after CreateImage', async () => {
    fx.double.controls.failAction('CreateTags', {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      status: 403,
      times: 1,
    });
    const before = fx.double.controls.requests.length;
    const lines: string[] = [];
    await expect(
      bakeImage(await fx.deps(lines), {
        launchTemplate: TEMPLATE,
        images: [IMAGE],
        helperImage: HELPER,
        amiName: 'spotrunner-workers-cleanup-1',
      }),
    ).rejects.toThrow('not authorized');
    const calls = callsSince(before);
    const imageId = calls.find((c) => c.action === 'DeregisterImage')?.params['ImageId'] as string;
    expect(imageId).toMatch(/^ami-/);
    expect(await fx.image(imageId)).toBeUndefined();
    const snapshot = calls.find((c) => c.action === 'DeleteSnapshot')?.params['SnapshotId'];
    expect(snapshot).toMatch(/^snap-/);
    await expect(
      fx.clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshot as string] })),
    ).rejects.toThrow('does not exist');
    const builderId = calls.find((c) => c.action === 'TerminateInstances')?.params[
      'InstanceId.1'
    ] as string;
    expect(await fx.builderState(builderId)).toBe('terminated');
    // The template still points at what it had: the failed bake changed nothing there.
    expect(calls.map((c) => c.action)).not.toContain('CreateLaunchTemplateVersion');
    expect(await fx.defaultTemplateImage()).toEqual({
      imageId: 'ami-0spotrunner000001',
      version: 1,
    });
    expect(lines).toContain(`unfinished image ${imageId} deregistered`);
  }, 120_000);

  it('terminates the builder and makes no image when aborted during a step', async () => {
    const before = fx.double.controls.requests.length;
    const controller = new AbortController();
    const lines: string[] = [];
    const deps = await fx.deps(lines);
    const progress = deps.progress!;
    deps.progress = (line) => {
      progress(line);
      if (line.includes('install docker')) controller.abort(new Error('interrupted by SIGINT'));
    };
    await expect(
      bakeImage(
        deps,
        {
          launchTemplate: TEMPLATE,
          images: [IMAGE],
          helperImage: HELPER,
          amiName: 'spotrunner-workers-cleanup-2',
        },
        controller.signal,
      ),
    ).rejects.toThrow('interrupted by SIGINT');
    const calls = callsSince(before).map((c) => c.action);
    expect(calls).not.toContain('CreateImage');
    const builderId = callsSince(before).find((c) => c.action === 'TerminateInstances')?.params[
      'InstanceId.1'
    ] as string;
    expect(await fx.builderState(builderId)).toBe('terminated');
    expect(lines.some((l) => l.startsWith('  pull '))).toBe(false);
  }, 120_000);
});
