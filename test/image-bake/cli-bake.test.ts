/**
 * `spotrunner image bake` as users run it: the real CLI in a child process against the AWS
 * double and the bake host (see bake-fixture.ts): a whole bake with JSON output, SIGINT while
 * the image is being made (exit 130, builder terminated, image deregistered), and `--packer`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitUntil } from '../e2e/cli-process.js';
import { startBakeFixture, TEMPLATE, type BakeFixture } from './bake-fixture.js';

let fx: BakeFixture;
let dir: string;
beforeAll(async () => {
  fx = await startBakeFixture();
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-bake-'));
  await writeFile(
    join(dir, '.gitlab-ci.yml'),
    'default:\n  image: spotrunner-test/debian:bookworm\ntest:\n  script: make test\n',
  );
  await writeFile(join(dir, 'builder-key'), fx.host.privateKey, { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  await fx?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function bakeArgs(amiName: string): string[] {
  return [
    'image',
    'bake',
    dir,
    '--launch-template',
    TEMPLATE,
    '--ssh-key',
    join(dir, 'builder-key'),
    '--ssh-user',
    fx.host.username,
    '--ssh-port',
    String(fx.host.sshd.port),
    '--endpoint',
    fx.double.endpoint,
    '--profile',
    fx.profile.profile,
    '--aws-config-file',
    fx.profile.configFile,
    '--aws-credentials-file',
    fx.profile.credentialsFile,
    '--poll-interval',
    '20',
    '--ami-name',
    amiName,
  ];
}

describe('spotrunner image bake', () => {
  it('bakes the discovered images and prints the result as JSON', async () => {
    const run = await runCli([...bakeArgs('spotrunner-workers-cli-1'), '--json'], {
      timeoutMs: 90_000,
    });
    expect(run.stderr).toContain('baking 1 images: spotrunner-test/debian:bookworm');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { imageId: string; builderId: string };
    expect((await fx.image(result.imageId))?.Name).toBe('spotrunner-workers-cli-1');
    expect((await fx.defaultTemplateImage()).imageId).toBe(result.imageId);
    expect(await fx.builderState(result.builderId)).toBe('terminated');
  }, 120_000);

  it('on SIGINT while the image is made: exit 130, builder terminated, image deregistered', async () => {
    const before = fx.double.controls.requests.length;
    const release = fx.double.controls.holdResponses('CreateImage');
    const child = startCli(bakeArgs('spotrunner-workers-cli-2'), { timeoutMs: 90_000 });
    try {
      await waitUntil('CreateImage', () =>
        fx.double.controls.requests.slice(before).some((r) => r.action === 'CreateImage')
          ? true
          : undefined,
      );
      child.kill('SIGINT');
      // Let the image call return only once the CLI has taken the signal in.
      await waitUntil('the signal', () =>
        child.stderr().includes('SIGINT: stopping') ? true : undefined,
      );
    } finally {
      release();
    }
    const run = await child.done;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('SIGINT: stopping the bake and cleaning up');
    const calls = fx.double.controls.requests.slice(before);
    const builderId = calls.find((c) => c.action === 'TerminateInstances')?.params[
      'InstanceId.1'
    ] as string;
    expect(await fx.builderState(builderId)).toBe('terminated');
    const imageId = calls.find((c) => c.action === 'DeregisterImage')?.params['ImageId'];
    expect(imageId).toMatch(/^ami-/);
    expect(calls.map((c) => c.action)).not.toContain('ModifyLaunchTemplate');
  }, 120_000);

  it('--packer writes a template with the discovered images instead of baking', async () => {
    const before = fx.double.controls.requests.length;
    const file = join(dir, 'workers.pkr.hcl');
    const run = await runCli([
      'image',
      'bake',
      dir,
      '--packer',
      file,
      '--base-ami',
      'ami-0123456789abcdef0',
      '--image',
      'alpine:3.20',
    ]);
    expect(run.code).toBe(0);
    const hcl = await readFile(file, 'utf8');
    expect(hcl).toContain('source_ami    = "ami-0123456789abcdef0"');
    expect(hcl).toContain("image inspect 'spotrunner-test/debian:bookworm'");
    expect(hcl).toContain("$D pull 'alpine:3.20'");
    expect(fx.double.controls.requests.length).toBe(before);
  }, 60_000);
});
