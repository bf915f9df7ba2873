/**
 * The docker-autoscaler executor against a real Docker engine and a registry double: a job whose
 * image is not on the instance records the time spent pulling it (imagePullMs) in its history
 * record, through the runner's job tally; the next job on the same instance finds it there.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerExecutor } from '../src/executors/docker/docker-executor.js';
import { runJob } from '../src/executors/testing/executor-harness.js';
import { makeJob, makeTempDir } from '../src/executors/testing/job-fixture.js';
import type { FleetStatus } from '../src/fleet/fleet.js';
import { jobPayloadSchema, type JobPayload } from '../src/gitlab/job-payload.js';
import { SystemClock } from '../src/platform/clock.js';
import { MemoryLogger } from '../src/platform/logger.js';
import { startJobTally, type RecordedJob } from '../src/runner/job-recorder.js';
import {
  docker,
  dockerRunner,
  ensureTestImages,
  labelled,
  TEST_JOB_IMAGE,
  uniqueJobId,
} from './support/docker.js';
import { startRegistryDouble, type RegistryDouble } from './support/registry-double.js';

let tmp: { dir: string; remove: () => void };
let registry: RegistryDouble;
let image: string;

beforeAll(async () => {
  await ensureTestImages();
  tmp = makeTempDir('spotrunner-pull-');
  registry = await startRegistryDouble(TEST_JOB_IMAGE);
  image = `${registry.host}/spotrunner-test/pulled-${randomBytes(4).toString('hex')}:1`;
}, 300_000);

afterAll(async () => {
  if (image) await docker('rmi', '-f', image).catch(() => '');
  await registry?.close();
  tmp?.remove();
});

const clock = new SystemClock();
const status = (): FleetStatus => ({
  providerId: 'test',
  instances: [],
  reserved: 0,
  acquired: 0,
  pending: 0,
  idleTarget: 0,
  policyIndex: 0,
});

/** One job on the local engine ("the instance"), recorded as the runner records it. */
async function recordJob(job: JobPayload): Promise<{ rec: RecordedJob; log: string }> {
  const recorded: RecordedJob[] = [];
  const tally = startJobTally(
    { clock, fleet: { status }, recorder: { jobFinished: (j) => recorded.push(j) } },
    'docker',
    job,
  );
  tally.started('local-1');
  const { outcome, trace } = await runJob(job, {
    dir: tmp.dir,
    executor: createDockerExecutor(
      { logger: new MemoryLogger(), clock },
      { killGraceMs: 2000, settleMs: 2000, version: '0.1.0-test', revision: 'abc123' },
    ),
    runner: dockerRunner({ pullPolicy: ['if-not-present'] }),
    timings: tally,
  });
  expect(outcome.result, trace.plain).toBe('success');
  tally.done(outcome.result);
  expect(recorded).toHaveLength(1);
  return { rec: recorded[0]!, log: trace.plain };
}

function pulledImageJob(): JobPayload {
  const job = makeJob({ id: uniqueJobId(), script: ['cat /spotrunner-pulled'] });
  return jobPayloadSchema.parse({ ...job, image: { name: image } });
}

describe('image pull time in the job record', () => {
  it('records the pull of a missing image, and none for the next job that finds it there', async () => {
    const first = await recordJob(pulledImageJob());
    expect(first.log).toContain(`Pulling docker image ${image}`);
    expect(registry.requests.some((r) => r.includes('/manifests/'))).toBe(true);
    expect(registry.requests.filter((r) => r.includes('/blobs/')).length).toBeGreaterThan(0);
    expect(first.rec.imagePullMs).toBeGreaterThan(0);

    const served = registry.requests.length;
    const second = await recordJob(pulledImageJob());
    expect(second.log).toContain('Using locally found image version');
    expect(second.log).not.toContain('Pulling docker image');
    expect(registry.requests).toHaveLength(served);
    expect(second.rec.imagePullMs).toBe(0);
    expect(await labelled(`spotrunner.job=${second.rec.jobId}`)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  }, 300_000);
});
