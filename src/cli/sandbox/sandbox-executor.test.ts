import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import type { DockerStatus } from './detect-docker.js';
import { chooseSandboxExecutor } from './sandbox-executor.js';

const probe = (status: DockerStatus) => (): Promise<DockerStatus> => Promise.resolve(status);
const DOCKER_READY = probe({ engine: true, helperImage: true });

describe('the sandbox executor', () => {
  it('is instance by default even when Docker and the helper image are there', async () => {
    let probed = false;
    const choice = await chooseSandboxExecutor('instance', () => {
      probed = true;
      return DOCKER_READY();
    });
    expect(choice.executor).toBe('instance');
    expect(choice.reason).toContain('the default');
    expect(probed).toBe(false);
  });

  it('is docker-autoscaler when asked, and a user error without an engine or helper image', async () => {
    expect((await chooseSandboxExecutor('docker-autoscaler', DOCKER_READY)).executor).toBe(
      'docker-autoscaler',
    );
    await expect(
      chooseSandboxExecutor('docker-autoscaler', probe({ engine: false, helperImage: false })),
    ).rejects.toThrow(UserError);
    await expect(
      chooseSandboxExecutor('docker-autoscaler', probe({ engine: true, helperImage: false })),
    ).rejects.toThrow(/helper image spotrunner-helper:latest/);
  });

  it('with auto, says what it found either way', async () => {
    expect(await chooseSandboxExecutor('auto', DOCKER_READY)).toEqual({
      executor: 'docker-autoscaler',
      reason:
        '--executor auto: a Docker engine answers on /var/run/docker.sock and has spotrunner-helper:latest',
    });
    const noImage = await chooseSandboxExecutor(
      'auto',
      probe({ engine: true, helperImage: false }),
    );
    expect(noImage.executor).toBe('instance');
    expect(noImage.reason).toMatch(/no spotrunner-helper:latest image/);
    const none = await chooseSandboxExecutor('auto', probe({ engine: false, helperImage: false }));
    expect(none.executor).toBe('instance');
    expect(none.reason).toMatch(/no Docker engine/);
  });
});
