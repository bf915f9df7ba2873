import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitLabClient } from '../gitlab/index.js';
import { parseJobPayload } from '../gitlab/job-payload.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { putJob, startHarness, takeJob, type Harness } from '../sandbox/testing/sandbox-harness.js';
import { settleLeftoverJobs } from './settle-leftovers.js';
import { openStateStore } from './state/state-store.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

describe('settling jobs left running by a previous run', () => {
  it('fails a job GitLab still runs (200 + Job-Status: failed) and counts it as failed', async () => {
    const clock = new SystemClock();
    const logger = new MemoryLogger();
    h = await startHarness({ ci: 'build:\n  script: sleep 1\n', clock });
    const taken = await takeJob(h);
    await putJob(h.url, taken.id, taken.token, { state: 'running' });
    const parsed = parseJobPayload(taken.payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-leftovers-'));
    const store = await openStateStore({ clock, logger }, join(dir, 'state.json'));
    store.journal().accepted(parsed.job, 'spot');
    const api = createGitLabClient(
      { clock, logger },
      {
        url: h.url,
        token: h.runnerToken,
        systemId: 's_leftovers01',
        info: { version: 'test', executor: 'instance' },
      },
    );

    const result = await settleLeftoverJobs({ clock, logger, apiFor: () => api }, store);

    expect(result).toEqual({ failed: [taken.id], gone: [], errors: [] });
    expect(h.server.job(taken.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(h.server.trace(taken.id, { plain: true })).toContain(
      'The spotrunner manager stopped unexpectedly while this job ran',
    );
    expect(logger.messages()).toContain('failed a job left running by a previous run');
    expect(store.runner('spot').jobs).toEqual({});
  });

  it('counts a job GitLab has already finished as gone', async () => {
    const clock = new SystemClock();
    const logger = new MemoryLogger();
    h = await startHarness({ ci: 'build:\n  script: sleep 1\n', clock });
    const taken = await takeJob(h);
    await putJob(h.url, taken.id, taken.token, { state: 'running' });
    h.server.cancelJob(taken.id, { force: true });
    const parsed = parseJobPayload(taken.payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-leftovers-'));
    const store = await openStateStore({ clock, logger }, join(dir, 'state.json'));
    store.journal().accepted(parsed.job, 'spot');
    const api = createGitLabClient(
      { clock, logger },
      {
        url: h.url,
        token: h.runnerToken,
        systemId: 's_leftovers01',
        info: { version: 'test', executor: 'instance' },
      },
    );

    const result = await settleLeftoverJobs({ clock, logger, apiFor: () => api }, store);

    expect(result).toEqual({ failed: [], gone: [taken.id], errors: [] });
    expect(h.server.job(taken.id)?.status).toBe('canceled');
  });
});
