/**
 * The real manager process killed with SIGKILL at six moments of a job's life, and started
 * again: every job must reach a final state in GitLab, and the right one — a job that had
 * finished with `success` stays `success`; a job cut off before it finished fails as a runner
 * system failure (so `retry:` runs it again); a log GitLab had only part of is completed from
 * the copy kept beside the state file, so the checksum GitLab gets matches the log it holds.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView, PipelineView } from '../../src/sandbox/index.js';
import { processesWith } from '../support/ssh-processes.js';
import { clock, startAwsE2e, type AwsE2e, type AwsE2eOptions } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const job = (name: string, sleepS: number): string => `${name}:
  retry:
    max: 1
    when: [runner_system_failure]
  script:
    - echo "${name} started"
    - sleep ${sleepS}
    - echo "${name} finished"
`;

const FINAL_STATUSES: readonly string[] = ['success', 'failed', 'canceled', 'skipped'];

interface JournaledJob {
  phase?: string;
  final?: { state: string };
}

/** The jobs the manager's state file holds (none when there is no file yet). */
async function journaled(h: AwsE2e): Promise<Record<string, JournaledJob>> {
  let text: string;
  try {
    text = await readFile(join(h.dataDir, '.spotrunner', 'state.json'), 'utf8');
  } catch {
    return {};
  }
  const state = JSON.parse(text) as {
    runners: Record<string, { jobs: Record<string, JournaledJob> }>;
  };
  return state.runners['aws-spot']?.jobs ?? {};
}

async function start(options: AwsE2eOptions = {}): Promise<AwsE2e> {
  e2e = await startAwsE2e({
    manager: 'process',
    ...options,
    config: { capacityPerInstance: 1, maxInstances: 3, idleTime: '60s', ...options.config },
  });
  return e2e;
}

/** Starts a pipeline of `ci`; returns it and a view of its first job as it changes. */
async function pipelineOf(
  h: AwsE2e,
  ci: string,
  name: string,
): Promise<{ id: number; job: () => JobView }> {
  const id = await h.startPipeline(await h.createProject(ci));
  return { id, job: () => h.job(id, name) };
}

/** Waits until the state file has job `id` in `phase`. */
async function journaledAs(h: AwsE2e, id: number, phase: string): Promise<JournaledJob> {
  return h.waitFor(`job ${id} journaled as ${phase}`, async () => {
    const rec = (await journaled(h))[String(id)];
    return rec?.phase === phase && rec;
  });
}

/** The job logs the manager keeps beside its state file: name → content and mode. */
async function keptLogs(h: AwsE2e): Promise<{ name: string; text: string; mode: number }[]> {
  const dir = join(h.dataDir, '.spotrunner', 'job-logs');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (name) => ({
      name,
      text: await readFile(join(dir, name), 'utf8'),
      mode: (await stat(join(dir, name))).mode & 0o777,
    })),
  );
}

async function kill(h: AwsE2e): Promise<void> {
  await h.manager!.stop('SIGKILL');
}

/**
 * After the last restart: the pipeline ends, every job in it is final in GitLab, the manager
 * holds no job any more, and no process of a job (found by `marker` in its command line or
 * environment) is left on the instances: a killed manager's jobs die with their SSH sessions.
 */
async function expectRecovered(
  h: AwsE2e,
  pipelineId: number,
  marker?: string,
): Promise<PipelineView> {
  const pipeline = await h.waitPipeline(pipelineId, 120_000);
  for (const j of pipeline.jobs)
    expect(FINAL_STATUSES, `job ${j.id} ${j.name}`).toContain(j.status);
  await h.waitFor('no job left in the state file', async () => {
    return Object.keys(await journaled(h)).length === 0;
  });
  if (marker !== undefined) {
    await h
      .waitFor('no job process left', async () => (await processesWith(marker)).length === 0)
      .catch(() => undefined);
    expect(await processesWith(marker)).toEqual([]);
  }
  return pipeline;
}

/** The one attempt of `name`: no retry was needed, and GitLab got exactly its final state. */
function onlyAttempt(pipeline: PipelineView, name: string): JobView {
  const attempts = pipeline.jobs.filter((j) => j.name === name);
  expect(attempts).toHaveLength(1);
  return attempts[0]!;
}

describe('a manager killed with SIGKILL and started again', { timeout: 180_000 }, () => {
  it('reports a job it had received while its instance was still booting', async () => {
    const h = await start({ bootMs: 6_000 });
    const p = await pipelineOf(h, job('cold', 1), 'cold');
    await journaledAs(h, p.job().id, 'received');
    const first = p.job();
    expect(first).toMatchObject({ status: 'pending', awaitingAck: true });
    await kill(h);

    await h.startManager('process');
    const pipeline = await expectRecovered(h, p.id);

    expect(pipeline.jobs.find((j) => j.id === first.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(h.trace(first.id)).toContain('stopped unexpectedly before this job started');
    expect(p.job()).toMatchObject({ status: 'success', retryOf: first.id });
  });

  it('fails a job that was running, so retry: runs it again; its processes do not outlive it', async () => {
    const h = await start();
    // The first attempt sleeps 300 s: it must die with the killed manager's session, not run on.
    const marker = `crash-${randomUUID()}`;
    const firstRun = `/tmp/${marker}`;
    const ci = `long:
  retry:
    max: 1
    when: [runner_system_failure]
  variables:
    CRASH_MARKER: ${marker}
  script:
    - echo "long started"
    - if [ ! -e ${firstRun} ]; then touch ${firstRun}; sleep 300; fi
    - echo "long finished"
`;
    const p = await pipelineOf(h, ci, 'long');
    await h.waitFor('the job under way', () => h.trace(p.job().id).includes('long started'));
    await h.waitFor('the job sleeping', async () => (await processesWith(marker)).length > 0);
    const first = p.job();
    await kill(h);

    await h.startManager('process');
    const pipeline = await expectRecovered(h, p.id, marker);
    await rm(firstRun, { force: true });

    // Its log as the killed manager kept it, the note after it, and a checksum over both.
    expect(pipeline.jobs.find((j) => j.id === first.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
      checksum: { match: true },
    });
    expect(h.trace(first.id)).toContain('stopped unexpectedly while this job ran');
    expect(p.job()).toMatchObject({ status: 'success', retryOf: first.id });
  });

  it('keeps a success GitLab was answering 202 to a success', async () => {
    const h = await start();
    h.server.faults.traceProcessing(15_000);
    const p = await pipelineOf(h, job('quick', 0), 'quick');
    await h.waitFor(
      'the final update answered 202',
      () => p.job().pendingFinal?.state === 'success',
    );
    expect((await journaledAs(h, p.job().id, 'finishing')).final).toMatchObject({
      state: 'success',
    });
    const acceptedBefore = p.job().acceptedFinalUpdates;
    await kill(h);

    await h.startManager('process');
    const pipeline = await expectRecovered(h, p.id);

    const only = onlyAttempt(pipeline, 'quick');
    expect(only).toMatchObject({ status: 'success', checksum: { match: true } });
    expect(only.acceptedFinalUpdates).toBeGreaterThan(acceptedBefore);
    expect(h.trace(only.id)).toContain('quick finished');
  });

  it('keeps a success when killed again while the restarted manager was settling it', async () => {
    const h = await start();
    h.server.faults.traceProcessing(30_000);
    const p = await pipelineOf(h, job('quick', 0), 'quick');
    await h.waitFor(
      'the final update answered 202',
      () => p.job().pendingFinal?.state === 'success',
    );
    await journaledAs(h, p.job().id, 'finishing');
    await kill(h);

    const acceptedAtFirstKill = p.job().acceptedFinalUpdates;
    await h.startManager('process');
    await h.waitFor(
      'the restarted manager sending the final state again',
      () => p.job().acceptedFinalUpdates > acceptedAtFirstKill,
    );
    expect(p.job().status).toBe('running');
    await kill(h);
    expect((await journaled(h))[String(p.job().id)]).toMatchObject({
      phase: 'finishing',
      final: { state: 'success' },
    });

    await h.startManager('process');
    const pipeline = await expectRecovered(h, p.id);

    expect(onlyAttempt(pipeline, 'quick')).toMatchObject({ status: 'success' });
  });

  it('delivers the success of a job that ended while GitLab was unreachable', async () => {
    const h = await start({ gitlabProxy: true });
    const p = await pipelineOf(h, job('outage', 6), 'outage');
    await h.waitFor('the job under way', () => h.trace(p.job().id).includes('outage started'));
    await h.gitlabProxy!.down();
    const rec = await journaledAs(h, p.job().id, 'finishing');
    expect(rec.final).toMatchObject({ state: 'success' });
    await kill(h);

    await h.startManager('process');
    await clock.sleep(2_000); // the restarted manager finds GitLab still down
    expect(p.job().status).toBe('running');
    await h.gitlabProxy!.up();
    const pipeline = await expectRecovered(h, p.id);

    expect(onlyAttempt(pipeline, 'outage')).toMatchObject({ status: 'success' });
  });

  it('sends the tail of a log GitLab had not got, then the state with the whole log checksum', async () => {
    const h = await start();
    const secret = `tail-secret-${randomUUID().slice(0, 8)}`;
    const dir = join(h.dataDir, 'project-tail');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, '.gitlab-ci.yml'),
      `tail:
  script:
    - echo "tail started"
    - sleep 8
    - for i in $(seq 1 300); do echo "tail line $i of the log"; done
    - echo "the secret is $TAIL_SECRET"
    - echo "tail finished"
`,
    );
    const project = await h.server.createProject({
      sourceDir: dir,
      name: 'tail',
      variables: { TAIL_SECRET: { value: secret, masked: true } },
    });
    const pipelineId = await h.startPipeline(project.id);
    const id = h.job(pipelineId, 'tail').id;
    await h.waitFor('the job under way', () => h.trace(id).includes('tail started'));
    // From here on GitLab takes no trace patch: the rest of the log stays with the manager.
    h.server.faults.inject('jobs/trace', { status: 503, times: 1_000_000 });
    expect((await journaledAs(h, id, 'finishing')).final).toMatchObject({ state: 'success' });
    expect(h.trace(id)).not.toContain('tail finished');
    const [kept, ...more] = await keptLogs(h);
    expect(more).toEqual([]);
    expect(kept!.mode).toBe(0o600);
    expect(kept!.text).toContain('tail finished');
    expect(kept!.text).toContain('the secret is [MASKED]');
    expect(kept!.text).not.toContain(secret);
    await kill(h);

    h.server.faults.clear();
    await h.startManager('process');
    const pipeline = await expectRecovered(h, pipelineId);

    expect(onlyAttempt(pipeline, 'tail')).toMatchObject({
      status: 'success',
      checksum: { match: true },
    });
    expect(h.server.trace(id)).toBe(kept!.text);
    await h.waitFor('the kept log removed', async () => (await keptLogs(h)).length === 0);
  });
});
