/**
 * A Docker engine and the test images for docker executor tests. `ensureDocker()` starts
 * Debian's dockerd (scripts/start-dockerd.sh) when none answers and fails — never skips —
 * with the reason when it cannot; `ensureTestImages()` builds or loads `spotrunner-helper:latest`
 * and `spotrunner-test/debian:bookworm` (scripts/build-test-images.sh). Test servers listen on
 * 127.0.0.1, which containers cannot reach: `exposeToContainers()` relays a port from the
 * Docker bridge's gateway address, which every container network can reach.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startContainerRelay } from '../../src/cli/sandbox/container-relay.js';
import type { CompiledDocker, CompiledRunner } from '../../src/config/types.js';
import { defaultDockerConfig } from '../../src/executors/docker/container-config.js';
import {
  createDockerExecutor,
  type DockerExecutorDeps,
  type DockerExecutorOptions,
} from '../../src/executors/docker/docker-executor.js';
import type { Executor } from '../../src/executors/executor.js';
import { makeJob, makeRunner, type JobSpec } from '../../src/executors/testing/job-fixture.js';
import { jobPayloadSchema, type JobPayload } from '../../src/gitlab/job-payload.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';

const run = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const TEST_JOB_IMAGE = 'spotrunner-test/debian:bookworm';
export const TEST_HELPER_IMAGE = 'spotrunner-helper:latest';

async function script(name: string, timeoutMs: number): Promise<string> {
  try {
    // Test files run in parallel: one start or build at a time, the others then find it done.
    // -o: the lock's fd is not handed to the script, so a dockerd it starts cannot keep it.
    const lock = '/tmp/spotrunner-docker-setup.lock';
    const { stdout } = await run('flock', ['-o', lock, 'bash', join(repoRoot, 'scripts', name)], {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err: unknown) {
    const e = err as { stderr?: string; stdout?: string; message?: string };
    throw new Error(
      `scripts/${name} failed: ${e.message ?? String(err)}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: err },
    );
  }
}

/** Makes sure a Docker engine answers on /var/run/docker.sock. */
export async function ensureDocker(): Promise<void> {
  await script('start-dockerd.sh', 60_000);
}

/** Makes sure the helper and test images exist (builds them from debootstrap if needed). */
export async function ensureTestImages(): Promise<void> {
  await ensureDocker();
  await script('build-test-images.sh', 15 * 60_000);
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Containers, networks and volumes that carry `label` (e.g. `spotrunner.job=42`). */
export async function labelled(
  label: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filter = ['--filter', `label=${label}`, '--format', '{{.Name}}'];
  const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
  const [containers, networks, volumes] = await Promise.all([
    docker('ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'),
    docker('network', 'ls', ...filter),
    docker('volume', 'ls', ...filter),
  ]);
  return { containers: lines(containers), networks: lines(networks), volumes: lines(volumes) };
}

export interface ContainerRelay {
  /** Address containers use, e.g. `172.17.0.1`. */
  host: string;
  port: number;
  /** `http://<host>:<port>` */
  url: string;
  stop(): Promise<void>;
}

/**
 * Relays connections to `<gateway>:<port>` on to `127.0.0.1:<targetPort>`, with the relay
 * `spotrunner sandbox` uses.
 */
export async function exposeToContainers(targetPort: number): Promise<ContainerRelay> {
  const relay = await startContainerRelay();
  relay.setTarget(targetPort);
  const { hostname, port } = new URL(relay.url);
  return { host: hostname, port: Number(port), url: relay.url, stop: () => relay.stop() };
}

/** A runner for the docker executors: `[runners.docker]` defaults plus `docker` overrides. */
export function dockerRunner(
  docker: Partial<CompiledDocker> = {},
  overrides: Partial<CompiledRunner> = {},
): CompiledRunner {
  return makeRunner({
    executor: 'docker-autoscaler',
    docker: { ...defaultDockerConfig(), pullPolicy: ['if-not-present'], ...docker },
    ...overrides,
  });
}

/** A job in TEST_JOB_IMAGE; `extra` adds or replaces payload fields (services, image). */
export function dockerJob(spec: JobSpec, extra: Record<string, unknown> = {}): JobPayload {
  return jobPayloadSchema.parse({ ...makeJob(spec), image: { name: TEST_JOB_IMAGE }, ...extra });
}

/** A docker executor that stops stages within 2 s, logging to a MemoryLogger unless told. */
export function testDockerExecutor(
  options: DockerExecutorOptions = {},
  deps: Partial<DockerExecutorDeps> = {},
): Executor {
  return createDockerExecutor(
    { logger: new MemoryLogger(), clock: new SystemClock(), ...deps },
    { killGraceMs: 2000, settleMs: 2000, ...options },
  );
}

/** What `labelled()` finds of a job that left nothing behind. */
export const NO_RESOURCES = { containers: [], networks: [], volumes: [] } as const;

/** `docker inspect` of every container of a job, while it runs. */
export async function inspectJobContainers(jobId: number): Promise<ContainerInspect[]> {
  const ids = (await docker('ps', '-q', '--filter', `label=spotrunner.job=${jobId}`))
    .split('\n')
    .filter((l) => l !== '');
  if (ids.length === 0) return [];
  return JSON.parse(await docker('inspect', ...ids)) as ContainerInspect[];
}

export interface ContainerInspect {
  Name: string;
  Config: { Env: string[] | null; Cmd: string[] | null; Labels: Record<string, string> };
  HostConfig: {
    Privileged: boolean;
    ExtraHosts: string[] | null;
    ShmSize: number;
    Memory: number;
    NanoCpus: number;
    CapAdd: string[] | null;
    Dns: string[] | null;
  };
}

/** A job id no earlier (possibly interrupted) test run used, so label filters see only this run. */
export function uniqueJobId(): number {
  return 100_000 + randomInt(900_000_000);
}
