import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.js';
import { grantDirToJobUser, resolveLocalJobUser } from '../../src/providers/local/index.js';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

describe('failing jobs', () => {
  it('allowed to fail (allow_failure and a listed exit code) leave the pipeline passed with warnings', async () => {
    const h = await e2e.start();
    const allowed = await h.createProject('allow-failure');
    const missed = await h.createProject('allow-failure-miss');
    const [pipeline, failedPipeline] = await Promise.all([
      h.runPipeline(allowed.id),
      h.runPipeline(missed.id),
    ]);

    expect(pipeline.jobs.map((j) => [j.name, j.status, j.allowFailure, j.exitCode])).toEqual([
      ['soft-fail', 'failed', true, 1],
      ['allowed-exit-code', 'failed', true, 42],
      ['after', 'success', false, null],
    ]);
    expect(pipeline).toMatchObject({ status: 'success', withWarnings: true });
    expect(h.job(pipeline, 'soft-fail').failureReason).toBe('script_failure');
    expect(h.trace(h.job(pipeline, 'allowed-exit-code').id)).toContain(
      'ERROR: Job failed: exit code 42',
    );
    expect(h.trace(h.job(pipeline, 'after').id)).toContain('ran after the allowed failures');

    // exit 7 is not in exit_codes [3]: a real failure, and the next stage does not run.
    expect(failedPipeline.jobs.map((j) => [j.name, j.status, j.exitCode])).toEqual([
      ['unlisted-exit-code', 'failed', 7],
      ['after', 'skipped', null],
    ]);
    expect(failedPipeline).toMatchObject({ status: 'failed', withWarnings: false });
  });

  it('with retry: 1 is retried as a new job, and the second attempt passes', async () => {
    const h = await e2e.start();
    const markerDir = join(h.dataDir, 'markers');
    // Written by jobs on local instances: their (unprivileged, when we are root) user's.
    await grantDirToJobUser(markerDir, await resolveLocalJobUser(silentLogger));
    const project = await h.createProject('retry-once', { variables: { MARKER_DIR: markerDir } });
    const pipeline = await h.runPipeline(project.id);

    const attempts = pipeline.jobs.filter((j) => j.name === 'flaky');
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    expect(first).toMatchObject({
      status: 'failed',
      retried: true,
      failureReason: 'script_failure',
    });
    expect(second).toMatchObject({ status: 'success', retried: false, retryOf: first.id });
    expect(second.id).not.toBe(first.id);
    expect(pipeline.status).toBe('success');
    expect(h.trace(first.id)).toContain('first attempt fails');
    expect(h.trace(second.id)).toContain('second attempt passes');
  });
});
