/**
 * A manager that died mid-job leaves its job's containers, network and volumes on the instance.
 * The restarted manager's docker executor removes them before its first job there — only those
 * of its own runner's jobs that it is not running — against the real Docker engine.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import type { JobPayload } from '../../gitlab/job-payload.js';
import { MemoryLogger } from '../../platform/logger.js';
import {
  testDockerExecutor,
  NO_RESOURCES,
  dockerJob,
  dockerRunner,
  ensureTestImages,
  labelled,
  TEST_JOB_IMAGE,
  uniqueJobId,
} from '../../../test/support/docker.js';
import { shortenToken } from '../script/build-layout.js';
import { runJob } from '../testing/executor-harness.js';
import { makeTempDir } from '../testing/job-fixture.js';
import {
  jobLabels,
  LABEL_CACHE,
  LABEL_MANAGER,
  LABEL_RUNNER,
  type JobIdentity,
  type ResourceRole,
} from './container-config.js';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const runner = dockerRunner();
const SHORT_TOKEN = shortenToken(runner.token);
const MANAGER = `s_${randomBytes(6).toString('hex')}`;
const OTHER_MANAGER = `s_${randomBytes(6).toString('hex')}`;
/** Everything a test made, by name, for afterAll. */
const made = { containers: [] as string[], networks: [] as string[], volumes: [] as string[] };
let tmp: { dir: string; remove: () => void };

beforeAll(async () => {
  await ensureTestImages();
  tmp = makeTempDir('spotrunner-stale-');
});

afterAll(async () => {
  const quiet = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined);
  await Promise.all(
    made.containers.map((n) => quiet(docker.getContainer(n).remove({ force: true }))),
  );
  await Promise.all(made.networks.map((n) => quiet(docker.getNetwork(n).remove())));
  await Promise.all(made.volumes.map((n) => quiet(docker.getVolume(n).remove())));
  tmp?.remove();
});

function identity(jobId: number, over: Partial<JobIdentity> = {}): JobIdentity {
  const runId = randomBytes(4).toString('hex');
  return {
    jobId,
    runId,
    prefix: `spotrunner-job-${jobId}-${runId}`,
    shortToken: SHORT_TOKEN,
    projectId: 17,
    concurrentProjectId: 0,
    managerId: MANAGER,
    ...over,
  };
}

/**
 * What a job run killed half-way leaves: its network, builds volume, helper and build
 * containers (running, on the network, with the volume) and a service container.
 */
async function leaveJob(id: JobIdentity): Promise<void> {
  const labels = (role: ResourceRole): Record<string, string> => jobLabels(id, role);
  const network = `${id.prefix}-network`;
  const volume = `${id.prefix}-builds`;
  await docker.createNetwork({ Name: network, Labels: labels('network') });
  made.networks.push(network);
  await docker.createVolume({ Name: volume, Labels: labels('volume') });
  made.volumes.push(volume);
  for (const role of ['helper', 'build', 'service'] as const) {
    const name = `${id.prefix}-${role}`;
    const container = await docker.createContainer({
      name,
      Image: TEST_JOB_IMAGE,
      Cmd: ['sleep', '600'],
      Labels: labels(role),
      HostConfig: { NetworkMode: network, Binds: [`${volume}:/builds`] },
    });
    made.containers.push(name);
    await container.start();
  }
}

async function unlabelledContainer(): Promise<string> {
  const name = `spotrunner-test-unlabelled-${randomBytes(4).toString('hex')}`;
  await docker.createContainer({ name, Image: TEST_JOB_IMAGE, Cmd: ['true'] });
  made.containers.push(name);
  return name;
}

const jobOf = (id: number, script: string[]): JobPayload => dockerJob({ id, script });

describe('docker resources of jobs a crashed manager left', () => {
  it('are removed before the first job on the instance, and only those', async () => {
    const dead = identity(uniqueJobId());
    const deadToo = identity(uniqueJobId());
    const runningId = uniqueJobId();
    const runningLeft = identity(runningId);
    const otherManager = identity(uniqueJobId(), { managerId: OTHER_MANAGER });
    const otherRunner = identity(uniqueJobId(), { shortToken: 'zzOtherRn' });
    const beforeLabels = identity(uniqueJobId(), { managerId: undefined });
    delete beforeLabels.managerId;
    for (const id of [dead, deadToo, runningLeft, otherManager, otherRunner, beforeLabels])
      await leaveJob(id);
    const unlabelled = await unlabelledContainer();
    const cache = `spotrunner-test-cache-${randomBytes(4).toString('hex')}`;
    await docker.createVolume({
      Name: cache,
      Labels: { [LABEL_RUNNER]: SHORT_TOKEN, [LABEL_CACHE]: 'true', [LABEL_MANAGER]: MANAGER },
    });
    made.volumes.push(cache);

    const logger = new MemoryLogger();
    const executor = testDockerExecutor({ managerId: MANAGER }, { logger });
    // The job this manager runs now is `runningId` (its earlier resources stand for a
    // concurrent run of it on the same instance): they stay.
    const { outcome, trace } = await runJob(jobOf(runningId, ['echo first job']), {
      dir: tmp.dir,
      executor,
      runner,
    });
    expect(outcome.result, trace.plain).toBe('success');

    expect(await labelled(`spotrunner.job=${dead.jobId}`)).toEqual(NO_RESOURCES);
    expect(await labelled(`spotrunner.job=${deadToo.jobId}`)).toEqual(NO_RESOURCES);
    const kept = (id: JobIdentity): object => ({
      containers: expect.arrayContaining([
        `${id.prefix}-helper`,
        `${id.prefix}-build`,
        `${id.prefix}-service`,
      ]) as unknown,
      networks: [`${id.prefix}-network`],
      volumes: [`${id.prefix}-builds`],
    });
    expect(await labelled(`spotrunner.run=${runningLeft.runId}`)).toEqual(kept(runningLeft));
    expect(await labelled(`spotrunner.job=${otherManager.jobId}`)).toEqual(kept(otherManager));
    expect(await labelled(`spotrunner.job=${otherRunner.jobId}`)).toEqual(kept(otherRunner));
    expect(await labelled(`spotrunner.job=${beforeLabels.jobId}`)).toEqual(kept(beforeLabels));
    expect((await docker.getContainer(unlabelled).inspect()).Name).toBe(`/${unlabelled}`);
    expect((await docker.getVolume(cache).inspect()).Name).toBe(cache);

    const warned = logger.records.find(
      (e) => e.msg === 'removed docker resources of jobs this manager no longer runs',
    );
    expect(warned?.fields).toMatchObject({
      jobIds: [dead.jobId, deadToo.jobId].sort((a, b) => a - b),
      containers: 6,
      networks: 2,
      volumes: 2,
      failures: 0,
    });
  });

  it('looks once per connection: again after a reconnect', async () => {
    const executor = testDockerExecutor({ managerId: MANAGER });
    const connection = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
    const run = async (conn: InstanceConnection): Promise<void> => {
      const job = jobOf(uniqueJobId(), ['true']);
      const { outcome, trace } = await runJob(job, {
        dir: tmp.dir,
        executor,
        runner,
        connection: conn,
      });
      expect(outcome.result, trace.plain).toBe('success');
    };
    await run(connection);
    const dead = identity(uniqueJobId());
    await leaveJob(dead);
    await run(connection);
    expect((await labelled(`spotrunner.job=${dead.jobId}`)).containers).toHaveLength(3);
    await run(createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir }));
    expect(await labelled(`spotrunner.job=${dead.jobId}`)).toEqual(NO_RESOURCES);
  });

  it('labels every resource of a job with the manager, and leaves none when it ends', async () => {
    const id = uniqueJobId();
    const executor = testDockerExecutor({ managerId: MANAGER });
    let seen: Promise<Awaited<ReturnType<typeof labelled>>> | undefined;
    const { outcome, trace } = await runJob(jobOf(id, ['echo labelled-marker', 'sleep 3']), {
      dir: tmp.dir,
      executor,
      runner,
      arm: (t) =>
        t.when('labelled-marker\n', () => {
          seen = labelled(`${LABEL_MANAGER}=${MANAGER}`);
        }),
    });
    expect(outcome.result, trace.plain).toBe('success');
    const during = await seen;
    expect(during?.containers.some((n) => n.startsWith(`spotrunner-job-${id}-`))).toBe(true);
    expect(during?.networks.some((n) => n.startsWith(`spotrunner-job-${id}-`))).toBe(true);
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });
});
