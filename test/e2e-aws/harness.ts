/**
 * AWS end-to-end harness: the sandbox server as GitLab, the AWS double (Auto Scaling, EC2,
 * Instance Connect, SQS, IMDS) whose instances are real `local` instances on 127.0.0.x sharing
 * one SSH port, a written AWS profile, a config.toml pointing the aws plugin at the double, and
 * the real manager (in this process or as a child process). Everything runs on the real clock.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import {
  createSandboxServer,
  type JobView,
  type PipelineView,
  type SandboxServer,
} from '../../src/sandbox/index.js';
import type { ManagerStatus } from '../../src/manager/manager.js';
import { startAwsDouble, type AwsDouble } from '../support/aws/aws-double.js';
import type { AwsDoubleGroupSpec } from '../support/aws/double-model.js';
import { writeAwsProfile, type TestAwsProfile } from '../support/aws/aws-profile.js';
import { startLocalBacking, type LocalBacking } from '../support/aws/local-backing.js';
import { awsE2eConfigToml, type AwsE2eConfigInput, type AwsGroupRef } from './aws-e2e-config.js';
import { startPausableProxy, type PausableProxy } from '../protocol/pausable-proxy.js';
import { startInProcess, startProcess, waitHealthy, type ManagerHandle } from './manager-handle.js';

export const clock = new SystemClock();

type Tunables = Omit<
  AwsE2eConfigInput,
  'url' | 'token' | 'listenAddress' | 'sshPort' | 'group' | 'fallback'
>;

export interface AwsE2eOptions {
  /** Groups of the double; default one spot group `spot` (max 4). */
  groups?: AwsDoubleGroupSpec[];
  config?: Tunables & {
    group?: string;
    fallback?: { group: string; after: string; probeInterval?: string };
    /** Feed interruption notices through the SQS queue too. */
    queue?: boolean;
    imdsPoll?: string;
    spotRequestChecks?: boolean;
  };
  /** How the manager runs; `none` starts it later with `startManager`. */
  manager?: 'in-process' | 'process' | 'none';
  orphanCheckIntervalMs?: number;
  /** How long a launched instance takes to boot; default 300 ms. */
  bootMs?: number;
  /**
   * The manager reaches GitLab through a proxy the test can take down (`gitlabProxy`); the
   * instances still clone from the server directly.
   */
  gitlabProxy?: boolean;
}

export type StatusDoc = ManagerStatus & { nowMs?: number };

export interface AwsE2e {
  readonly server: SandboxServer;
  /** With `gitlabProxy`: GitLab as the manager sees it, which can go down and come back. */
  readonly gitlabProxy: PausableProxy | undefined;
  readonly double: AwsDouble;
  readonly backing: LocalBacking;
  readonly dataDir: string;
  readonly configFile: string;
  readonly statusUrl: string;
  manager: ManagerHandle | undefined;
  startManager(kind: 'in-process' | 'process'): Promise<ManagerHandle>;
  /** A project whose `.gitlab-ci.yml` is `ci`; returns its id. */
  createProject(ci: string): Promise<number>;
  startPipeline(projectId: number): Promise<number>;
  waitPipeline(id: number, timeoutMs?: number): Promise<PipelineView>;
  /** The latest attempt of a job by name. */
  job(pipelineId: number, name: string): JobView;
  trace(jobId: number): string;
  status(): Promise<StatusDoc>;
  /** The instance a running job is on, as the manager's /status shows it. */
  instanceOfJob(jobId: number, timeoutMs?: number): Promise<string>;
  waitFor<T>(
    what: string,
    check: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function groupRef(
  double: AwsDouble,
  profile: TestAwsProfile,
  name: string,
  o: NonNullable<AwsE2eOptions['config']>,
): AwsGroupRef {
  return {
    name,
    endpoint: double.endpoint,
    region: double.region,
    profile: profile.profile,
    configFile: profile.configFile,
    credentialsFile: profile.credentialsFile,
    ...(o.queue ? { queueUrl: double.queueUrl } : {}),
    ...(o.imdsPoll
      ? { imdsPoll: o.imdsPoll, metadataUrl: `${double.endpoint}/imds/{instance_id}` }
      : {}),
    ...(o.spotRequestChecks === false ? { spotRequestChecks: false } : {}),
  };
}

async function writeConfig(
  file: string,
  c: NonNullable<AwsE2eOptions['config']>,
  at: {
    url: string;
    token: string;
    listenAddress: string;
    sshPort: number;
    double: AwsDouble;
    profile: TestAwsProfile;
  },
): Promise<void> {
  const {
    group: _g,
    fallback: _f,
    queue: _q,
    imdsPoll: _i,
    spotRequestChecks: _s,
    ...tunables
  } = c;
  const toml = awsE2eConfigToml({
    ...tunables,
    url: at.url,
    token: at.token,
    listenAddress: at.listenAddress,
    sshPort: at.sshPort,
    group: groupRef(at.double, at.profile, c.group ?? 'spot', c),
    ...(c.fallback
      ? {
          fallback: {
            group: groupRef(at.double, at.profile, c.fallback.group, c),
            after: c.fallback.after,
            ...(c.fallback.probeInterval ? { probeInterval: c.fallback.probeInterval } : {}),
          },
        }
      : {}),
  });
  await writeFile(file, toml, { mode: 0o600 });
}

/** Polls `check` until it gives a value (not undefined/false); `describe` explains a timeout. */
async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describe()}`);
    await clock.sleep(100);
  }
}

export async function startAwsE2e(options: AwsE2eOptions = {}): Promise<AwsE2e> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-e2e-aws-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  try {
    const server = createSandboxServer(
      { clock, logger: silentLogger },
      { dataDir: join(dataDir, 'gitlab'), longPollMs: 1_000, traceUpdateIntervalS: 1 },
    );
    const { url } = await server.start();
    cleanup.unshift(() => server.stop());
    const gitlabProxy = options.gitlabProxy ? await startPausableProxy(new URL(url)) : undefined;
    if (gitlabProxy) cleanup.unshift(() => gitlabProxy.stop());
    const sshPort = await freePort();
    const backing = await startLocalBacking({
      sshPort,
      maxInstances: 12,
      firstHost: 20 + Math.floor(Math.random() * 180),
    });
    cleanup.unshift(() => backing.stop());
    const double = await startAwsDouble({
      backing,
      groups: options.groups ?? [{ name: 'spot', max: 4 }],
      bootMs: options.bootMs ?? 300,
    });
    cleanup.unshift(() => double.stop());
    const profile = await writeAwsProfile({ region: double.region });
    cleanup.unshift(() => profile.remove());
    const runner = server.createRunner({ description: 'e2e-aws', runUntagged: true });
    const listenPort = await freePort();
    const configFile = join(dataDir, 'config.toml');
    await writeConfig(configFile, options.config ?? {}, {
      url: gitlabProxy?.url ?? url,
      token: runner.token,
      listenAddress: `127.0.0.1:${listenPort}`,
      sshPort,
      double,
      profile,
    });
    const e2e = makeHarness({
      server,
      gitlabProxy,
      double,
      backing,
      dataDir,
      configFile,
      statusUrl: `http://127.0.0.1:${listenPort}`,
      cleanup,
      orphanCheckIntervalMs: options.orphanCheckIntervalMs,
    });
    const kind = options.manager ?? 'in-process';
    if (kind !== 'none') await e2e.startManager(kind);
    return e2e;
  } catch (err: unknown) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw err;
  }
}

interface Parts {
  server: SandboxServer;
  gitlabProxy: PausableProxy | undefined;
  double: AwsDouble;
  backing: LocalBacking;
  dataDir: string;
  configFile: string;
  statusUrl: string;
  cleanup: (() => Promise<unknown>)[];
  orphanCheckIntervalMs: number | undefined;
}

function makeHarness(p: Parts): AwsE2e {
  const { server } = p;
  let projects = 0;
  const waitFor: AwsE2e['waitFor'] = (what, check, timeoutMs = 30_000) =>
    pollUntil(what, check, timeoutMs, () =>
      [
        `--- double: ${p.double.controls
          .instances()
          .map((i) => `${i.id} ${i.group} ${i.lifecycleState}${i.inGroup ? '' : ' (out)'}`)
          .join(', ')}`,
        `--- backing errors: ${p.double.controls.backingErrors().join('; ') || 'none'}`,
        `--- manager ---\n${e2e.manager?.output().slice(-4000) ?? ''}`,
      ].join('\n'),
    );
  const status = async (): Promise<StatusDoc> => {
    const res = await fetch(`${p.statusUrl}/status`);
    return (await res.json()) as StatusDoc;
  };
  const e2e: AwsE2e = {
    ...p,
    manager: undefined,
    async startManager(kind) {
      const handle =
        kind === 'process'
          ? startProcess(p.configFile)
          : await startInProcess(p.configFile, {
              ...(p.orphanCheckIntervalMs
                ? { orphanCheckIntervalMs: p.orphanCheckIntervalMs }
                : {}),
            });
      e2e.manager = handle;
      await waitHealthy(p.statusUrl, handle);
      return handle;
    },
    async createProject(ci) {
      const dir = join(p.dataDir, `project-${++projects}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, '.gitlab-ci.yml'), ci);
      return (await server.createProject({ sourceDir: dir, name: `p${projects}` })).id;
    },
    async startPipeline(projectId) {
      return (await server.createPipeline(projectId)).id;
    },
    waitPipeline: (id, timeoutMs = 90_000) => server.waitForPipeline(id, { timeoutMs }),
    job(pipelineId, name) {
      const jobs = server.pipeline(pipelineId)?.jobs.filter((j) => j.name === name) ?? [];
      const latest = jobs.sort((a, b) => b.id - a.id)[0];
      if (!latest) throw new Error(`no job ${name} in pipeline ${pipelineId}`);
      return latest;
    },
    trace: (jobId) => server.trace(jobId, { plain: true }) ?? '',
    status,
    instanceOfJob: (jobId, timeoutMs = 30_000) =>
      waitFor(
        `job ${jobId} on an instance`,
        async () =>
          (await status()).runners
            .flatMap((r) => r.fleet?.instances ?? [])
            .find((i) => i.jobIds.includes(jobId))?.id,
        timeoutMs,
      ),
    waitFor,
    async close() {
      await e2e.manager?.stop('SIGKILL').catch(() => undefined);
      for (const step of p.cleanup) await step().catch(() => undefined);
    },
  };
  return e2e;
}

/**
 * Starts a pipeline of `ci` and waits until job `name` prints `marker` (its script is under
 * way); returns the pipeline, the job and the instance it runs on.
 */
export async function jobUnderWay(
  h: AwsE2e,
  ci: string,
  name: string,
  marker: string,
): Promise<{ pipelineId: number; jobId: number; instanceId: string }> {
  const pipelineId = await h.startPipeline(await h.createProject(ci));
  const jobId = await h.waitFor(`job ${name} under way`, () => {
    const job = h.job(pipelineId, name);
    return h.trace(job.id).includes(marker) && job.id;
  });
  return { pipelineId, jobId, instanceId: await h.instanceOfJob(jobId) };
}
