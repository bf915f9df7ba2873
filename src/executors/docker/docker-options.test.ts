import type Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import {
  testDockerExecutor,
  dockerJob,
  docker,
  dockerRunner,
  ensureTestImages,
  inspectJobContainers,
  labelled,
  TEST_JOB_IMAGE,
  uniqueJobId,
  type ContainerInspect,
} from '../../../test/support/docker.js';
import type { Executor } from '../executor.js';
import { runJob } from '../testing/executor-harness.js';
import { JOB_TOKEN, makeTempDir } from '../testing/job-fixture.js';
import { createTunnelDocker } from './docker-client.js';

const FALSE_ENTRYPOINT_IMAGE = 'spotrunner-test/false-entrypoint:1';
let tmp: { dir: string; remove: () => void };

beforeAll(async () => {
  await ensureTestImages();
  // An image whose entrypoint ignores its arguments and fails, to see `entrypoint: [""]` work.
  const dockerfile = `FROM ${TEST_JOB_IMAGE}\nENTRYPOINT ["/bin/false"]\n`;
  const dir = makeTempDir('spotrunner-image-');
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir.dir}/Dockerfile`, dockerfile);
    await docker('build', '-q', '-t', FALSE_ENTRYPOINT_IMAGE, dir.dir);
  } finally {
    dir.remove();
  }
});
beforeEach(() => {
  tmp = makeTempDir('spotrunner-docker-');
});
afterEach(() => tmp.remove());

const executor = (): Executor => testDockerExecutor();

const MIB = 1024 * 1024;

describe('docker executor container settings', () => {
  it('applies [runners.docker] settings and keeps secrets out of container metadata', async () => {
    const id = uniqueJobId();
    const job = dockerJob(
      {
        id,
        variables: [{ key: 'DEPLOY_SECRET', value: 'never-in-inspect-42', masked: true }],
        script: [
          'grep gitlab.test /etc/hosts',
          'df -k /dev/shm | tail -n 1',
          'test "${#DEPLOY_SECRET}" = 19',
          'echo inspect-now',
          'sleep 3',
        ],
      },
      { services: [{ name: TEST_JOB_IMAGE, alias: 'idle', command: ['sleep', '600'] }] },
    );
    let inspected: Promise<ContainerInspect[]> | undefined;
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner({
        extraHosts: ['gitlab.test:10.1.2.3'],
        shmSizeBytes: 128 * MIB,
        memoryBytes: 512 * MIB,
        cpus: 1.5,
        capAdd: ['NET_ADMIN'],
        dns: ['10.9.8.7'],
      }),
      arm: (t) =>
        t.when('inspect-now\n', () => {
          inspected = inspectJobContainers(id);
        }),
    });
    expect(outcome.result, trace.plain).toBe('success');
    expect(trace.plain).toMatch(/10\.1\.2\.3\s+gitlab\.test/);
    expect(trace.plain).toMatch(/shm\s+131072\s/);

    const containers = await inspected!;
    const role = (r: string): ContainerInspect[] =>
      containers.filter((c) => c.Config.Labels['spotrunner.role'] === r);
    const build = role('build')[0]!;
    expect(build.HostConfig).toMatchObject({
      Privileged: false,
      ExtraHosts: ['gitlab.test:10.1.2.3'],
      ShmSize: 128 * MIB,
      Memory: 512 * MIB,
      NanoCpus: 1_500_000_000,
      CapAdd: ['NET_ADMIN'],
      Dns: ['10.9.8.7'],
    });
    expect(role('helper')[0]!.HostConfig.Privileged).toBe(false);
    expect(role('service')).toHaveLength(1);
    const metadata = JSON.stringify(containers);
    expect(metadata).not.toContain('never-in-inspect-42');
    expect(metadata).not.toContain(JOB_TOKEN);
    expect(await labelled(`spotrunner.job=${id}`)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it('asks for privileged build and service containers, never a privileged helper', async () => {
    // Whether the engine may start privileged containers depends on the host (this sandbox
    // may refuse): what is checked is the request, and that nothing is left either way.
    const id = uniqueJobId();
    const created: Docker.ContainerCreateOptions[] = [];
    const dockerFor = (connection: InstanceConnection): Docker => {
      const client = createTunnelDocker(connection);
      const create = client.createContainer.bind(client) as (
        o: Docker.ContainerCreateOptions,
      ) => Promise<Docker.Container>;
      client.createContainer = ((options: Docker.ContainerCreateOptions) => {
        created.push(options);
        return create(options);
      }) as typeof client.createContainer;
      return client;
    };
    const job = dockerJob(
      { id, script: ['echo privileged-ok'] },
      { services: [{ name: TEST_JOB_IMAGE, alias: 'idle', command: ['sleep', '600'] }] },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: testDockerExecutor({}, { dockerFor }),
      runner: dockerRunner({ privileged: true }),
    });
    const privileged = (role: string): (boolean | undefined)[] =>
      created
        .map((o) => (o as { _body: Docker.ContainerCreateOptions })._body)
        .filter((b) => b.Labels?.['spotrunner.role'] === role)
        .map((b) => b.HostConfig?.Privileged);
    expect(privileged('build')).toEqual([true]);
    expect(privileged('service')).toEqual([true]);
    expect(privileged('helper')).toEqual([false]);
    if (outcome.result === 'success') expect(trace.plain).toContain('privileged-ok');
    else expect(outcome.failureReason).toBe('runner_system_failure');
    expect(await labelled(`spotrunner.job=${id}`)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it("runs the image's entrypoint before the script, with its output in the step's section", async () => {
    const job = dockerJob(
      { id: uniqueJobId(), script: ['echo script-ran'] },
      {
        image: {
          name: TEST_JOB_IMAGE,
          entrypoint: ['/bin/sh', '-c', 'echo "entrypoint says hi"; exec "$@"', 'entry'],
        },
      },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
    });
    expect(outcome.result, trace.plain).toBe('success');
    const step = trace.plain.slice(trace.plain.indexOf('Executing "step_script"'));
    expect(step).toMatch(/entrypoint says hi\n[\s\S]*script-ran/);
  });

  it('disables an entrypoint with entrypoint [""] (an image whose entrypoint would fail)', async () => {
    const failing = await runJob(
      dockerJob(
        { id: uniqueJobId(), script: ['echo script-ran'] },
        { image: { name: FALSE_ENTRYPOINT_IMAGE } },
      ),
      { dir: tmp.dir, executor: executor(), runner: dockerRunner() },
    );
    expect(failing.outcome.failureReason).toBe('script_failure');
    expect(failing.trace.plain).not.toContain('script-ran');

    const disabled = await runJob(
      dockerJob(
        { id: uniqueJobId(), script: ['echo script-ran'] },
        { image: { name: FALSE_ENTRYPOINT_IMAGE, entrypoint: [''] } },
      ),
      { dir: tmp.dir, executor: executor(), runner: dockerRunner() },
    );
    expect(disabled.outcome.result, disabled.trace.plain).toBe('success');
    expect(disabled.trace.plain).toContain('script-ran');
  });

  it('runs user stages as image:docker:user on the requested platform', async () => {
    const job = dockerJob(
      {
        id: uniqueJobId(),
        script: ['id -un', 'touch written-by-nobody && ls -n written-by-nobody'],
      },
      {
        image: {
          name: TEST_JOB_IMAGE,
          executor_opts: { docker: { user: 'nobody', platform: 'linux/amd64' } },
        },
      },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
    });
    expect(outcome.result, trace.plain).toBe('success');
    expect(trace.plain).toMatch(/\$ id -un\nnobody\n/);
    expect(trace.plain).toMatch(/-rw-r--r-- 1 65534 65534 0 .* written-by-nobody/);
  });
});
