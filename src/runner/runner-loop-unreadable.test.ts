import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { Executor } from '../executors/executor.js';
import type { Fleet } from '../fleet/fleet.js';
import {
  clientHarness,
  RUNNER_TOKEN,
  type ClientHarness,
} from '../gitlab/testing/client-harness.js';
import {
  startGitLabDouble,
  type DoubleJob,
  type GitLabDouble,
} from '../gitlab/testing/gitlab-double.js';
import { putStates } from '../gitlab/testing/trace-harness.js';
import type { JobJournal } from './journal.js';
import { createConcurrencyGate } from './ports.js';
import { createRunnerLoop, type RunnerLoop } from './runner-loop.js';

let gitlab: GitLabDouble | undefined;
afterEach(async () => {
  await gitlab?.close();
  gitlab = undefined;
});

const runner = parseConfig(
  'concurrent = 1\ncheck_interval = 3\n[[runners]]\nname = "spot"\nurl = "http://127.0.0.1:1"\ntoken = "glrt-t1_spotspotspotspotspot"\nexecutor = "shell"\n',
  '/tmp/config.toml',
  {},
).config.runners[0]!;

/** Journal events in order, as `event:jobId[:state]`. */
function recordingJournal(events: string[]): JobJournal {
  return {
    received: (job) => {
      events.push(`received:${job.id}`);
      return Promise.resolve();
    },
    accepted: (job) => void events.push(`accepted:${job.id}`),
    started: (job) => void events.push(`started:${job.id}`),
    finishing: (jobId, update) => {
      events.push(`finishing:${jobId}:${update.state}`);
      return Promise.resolve();
    },
    finished: (jobId) => void events.push(`finished:${jobId}`),
  };
}

/** A runner loop on the GitLab double whose only job has a payload that does not validate. */
async function unreadableJob(): Promise<{
  h: ClientHarness;
  job: DoubleJob;
  loop: RunnerLoop;
  events: string[];
}> {
  gitlab = await startGitLabDouble();
  gitlab.runnerToken = RUNNER_TOKEN;
  const payload = JSON.parse(
    readFileSync(new URL('../gitlab/testdata/job-invalid.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const job = gitlab.enqueue(payload);
  const h = clientHarness(gitlab.url, { info: { features: { two_phase_job_commit: true } } });
  const events: string[] = [];
  const loop = createRunnerLoop(
    {
      clock: h.clock,
      logger: h.logger,
      api: h.client,
      fleet: {
        reserve: () => ({ ok: true }),
        unreserve: () => undefined,
      } as Partial<Fleet> as Fleet,
      gate: createConcurrencyGate(1),
      executor: {} as Executor,
      connections: { get: () => Promise.reject(new Error('unused')), invalidate: () => undefined },
      traces: () => {
        throw new Error('unused');
      },
      journal: recordingJournal(events),
    },
    { runner, gitlabUrl: runner.url, checkIntervalMs: 3000 },
  );
  return { h, job, loop, events };
}

/** Lets virtual time pass until `done()` or a bound, then stops the loop. */
async function runUntil(t: { h: ClientHarness; loop: RunnerLoop }, done: () => boolean) {
  await t.loop.start();
  for (let i = 0; i < 600 && !done(); i++) await t.h.pass(1000);
  await t.h.run(t.loop.stop({ graceMs: 60_000 }));
}

describe('runner loop with a job whose payload cannot be read', () => {
  it('accepts and fails it, sending the state again while GitLab answers 202', async () => {
    const t = await unreadableJob();
    t.job.accept202 = 2;

    await runUntil(t, () => t.job.finals.length > 0);

    expect(putStates(gitlab!)).toEqual(['running', 'failed', 'failed', 'failed']);
    expect(t.job.finals).toMatchObject([
      { state: 'failed', failureReason: 'runner_system_failure' },
    ]);
    expect(t.job.trace.toString()).toContain(
      'ERROR: Job failed (system failure): spotrunner could not read the job payload: ',
    );
    expect(t.job.trace.toString()).not.toContain(t.job.token);
    expect(t.events).toEqual(['received:7001', 'finishing:7001:failed', 'finished:7001']);
  });

  it('retries through dropped connections instead of reading them as the job being gone', async () => {
    const t = await unreadableJob();
    const dropped = new Set<string>();
    gitlab!.intercept = (req) => {
      const state = String((req.json as { state?: unknown } | undefined)?.state);
      if (req.method !== 'PUT' || dropped.has(state)) return undefined;
      dropped.add(state);
      return 'drop';
    };

    await runUntil(t, () => t.job.finals.length > 0);

    expect(dropped).toEqual(new Set(['running', 'failed']));
    expect(t.job.status).toBe('failed');
    expect(t.job.finals).toMatchObject([
      { state: 'failed', failureReason: 'runner_system_failure' },
    ]);
  });
});
