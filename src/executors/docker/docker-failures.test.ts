import type { Duplex } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import { SystemClock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { silentLogger } from '../../platform/logger.js';
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
import { runJob } from '../testing/executor-harness.js';
import { makeTempDir } from '../testing/job-fixture.js';
import { createTunnelDocker } from './docker-client.js';
import { removeDockerJobLeftovers } from './job-resources.js';

let tmp: { dir: string; remove: () => void };

beforeAll(async () => {
  await ensureTestImages();
});
beforeEach(() => {
  tmp = makeTempDir('spotrunner-docker-');
});
afterEach(() => tmp.remove());

const executor = testDockerExecutor;

/** A process connection whose Docker tunnels can be cut (and new ones refused). */
function droppableConnection(dir: string): {
  connection: InstanceConnection;
  drop: (refuseNew: boolean) => void;
} {
  const inner = createProcessConnection({ instanceId: 'local-1', cwd: dir });
  const open = new Set<Duplex>();
  let refuse = false;
  const connection: InstanceConnection = {
    instanceId: inner.instanceId,
    get closed() {
      return inner.closed;
    },
    exec: (command, options) => inner.exec(command, options),
    openTcp: (host, port) => inner.openTcp(host, port),
    close: () => inner.close(),
    async openUnixSocket(path) {
      if (refuse) throw new SpotrunnerError('connect', 'connection lost');
      const stream = await inner.openUnixSocket(path);
      open.add(stream);
      stream.on('close', () => open.delete(stream));
      return stream;
    },
  };
  return {
    connection,
    drop: (refuseNew) => {
      refuse = refuseNew;
      for (const stream of open) stream.destroy();
    },
  };
}

describe('docker executor failures', () => {
  it('fails with image_pull_failure when the image is missing and the pull policy is never', async () => {
    const id = uniqueJobId();
    const job = dockerJob(
      { id },
      { image: { name: 'spotrunner-test/absent:1.0', pull_policy: ['never'] } },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner({ pullPolicy: ['never'] }),
    });
    expect(outcome).toMatchObject({ result: 'failed', failureReason: 'image_pull_failure' });
    expect(outcome.message).toBe(
      'Job failed: failed to pull image "spotrunner-test/absent:1.0" with specified policies [never]: image "spotrunner-test/absent:1.0" is not present on the instance and the pull policy is "never"',
    );
    expect(trace.plain.trimEnd().endsWith(outcome.message!)).toBe(true);
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('refuses a pull policy the runner does not allow, before creating anything', async () => {
    const id = uniqueJobId();
    const job = dockerJob({ id }, { image: { name: TEST_JOB_IMAGE, pull_policy: ['always'] } });
    const { outcome } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner({ pullPolicy: ['if-not-present'] }),
    });
    expect(outcome).toMatchObject({ failureReason: 'runner_configuration_error' });
    expect(outcome.message).toContain(
      'pull_policy ([always]) defined in GitLab pipeline config is not one of the allowed_pull_policies ([if-not-present])',
    );
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('cancels mid-script, runs after_script in a fresh container and leaves nothing behind', async () => {
    const id = uniqueJobId();
    const cancel = new AbortController();
    const job = dockerJob({
      id,
      script: ['echo "script on $(hostname)"', 'echo cancel-me', 'sleep 600'],
      afterScript: ['echo "after=$CI_JOB_STATUS on $(hostname)"'],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
      cancel,
      arm: (t) => t.when('cancel-me\n', () => cancel.abort()),
    });
    expect(outcome.failureReason).toBe('job_canceled');
    const scriptHost = /script on (\w+)/.exec(trace.plain)?.[1];
    const afterHost = /after=canceled on (\w+)/.exec(trace.plain)?.[1];
    expect(scriptHost).toBeDefined();
    expect(afterHost).toBeDefined();
    expect(afterHost).not.toBe(scriptHost);
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('cancels while the environment is being prepared, without running anything, leaving nothing', async () => {
    const id = uniqueJobId();
    const cancel = new AbortController();
    const job = dockerJob(
      { id, script: ['echo script-ran'], afterScript: ['echo after-ran'] },
      { services: [{ name: TEST_JOB_IMAGE, alias: 'idle', command: ['sleep', '600'] }] },
    );
    // Cancel as the containers start: helper, service and build container are all on their way.
    const onPhase = (phase: string, edge: string): void => {
      if (phase === 'helper' && edge === 'start') cancel.abort();
    };
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor({ onPhase }),
      runner: dockerRunner(),
      cancel,
    });
    expect(outcome.failureReason).toBe('job_canceled');
    expect(trace.plain).not.toContain('script-ran');
    expect(trace.plain).not.toContain('after-ran');
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('aborts mid-script: kills the build container, no after_script, nothing left', async () => {
    const id = uniqueJobId();
    const abort = new AbortController();
    const job = dockerJob({
      id,
      script: ['echo abort-me', 'sleep 600'],
      afterScript: ['echo after-ran'],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
      abort,
      arm: (t) => t.when('abort-me\n', () => abort.abort()),
    });
    expect(outcome.failureReason).toBe('job_canceled');
    expect(trace.plain).not.toContain('after-ran');
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('times out the job, kills the script, skips after_script and leaves nothing behind', async () => {
    const id = uniqueJobId();
    const job = dockerJob({
      id,
      timeoutSeconds: 3,
      script: ['sleep 600'],
      afterScript: ['echo after-ran'],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
    });
    expect(outcome).toMatchObject({ failureReason: 'job_execution_timeout' });
    expect(trace.plain).not.toContain('after-ran');
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('warns about a service that never listens and still runs the job', async () => {
    const id = uniqueJobId();
    const job = dockerJob(
      { id, script: ['echo job-ran'] },
      {
        services: [
          {
            name: TEST_JOB_IMAGE,
            alias: 'quiet',
            command: ['sleep', '600'],
            ports: [{ number: 9999 }],
          },
        ],
      },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor({ waitForServicesMs: 1500 }),
      runner: dockerRunner(),
    });
    expect(outcome.result, trace.plain).toBe('success');
    expect(trace.plain).toContain(
      `WARNING: Service ${TEST_JOB_IMAGE} probably didn't start properly.`,
    );
    expect(trace.plain).toContain('service "quiet" port 9999: timeout');
    expect(trace.plain).toContain('job-ran');
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('fails as a system failure when the Docker tunnel drops, and still removes everything', async () => {
    const id = uniqueJobId();
    const { connection, drop } = droppableConnection(tmp.dir);
    const job = dockerJob({ id, script: ['echo drop-now', 'sleep 600'] });
    const { outcome } = await runJob(job, {
      dir: tmp.dir,
      connection,
      executor: executor(),
      runner: dockerRunner(),
      arm: (t) => t.when('drop-now\n', () => drop(false)),
    });
    expect(outcome).toMatchObject({ result: 'failed', failureReason: 'runner_system_failure' });
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });

  it('leaves resources a lost connection could not remove to removeDockerJobLeftovers', async () => {
    const id = uniqueJobId();
    const { connection, drop } = droppableConnection(tmp.dir);
    const job = dockerJob({ id, script: ['echo drop-now', 'sleep 600'] });
    const { outcome } = await runJob(job, {
      dir: tmp.dir,
      connection,
      executor: executor(),
      runner: dockerRunner(),
      arm: (t) => t.when('drop-now\n', () => drop(true)),
    });
    expect(outcome.failureReason).toBe('runner_system_failure');
    const left = await labelled(`spotrunner.job=${id}`);
    expect(left.containers.length).toBeGreaterThan(0);
    expect(left.networks).toHaveLength(1);

    const fresh = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
    const report = await removeDockerJobLeftovers(
      { docker: createTunnelDocker(fresh), clock: new SystemClock(), logger: silentLogger },
      { jobId: id },
    );
    expect(report).toMatchObject({
      containers: left.containers.length,
      networks: 1,
      volumes: left.volumes.length,
      failures: [],
    });
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });
});
