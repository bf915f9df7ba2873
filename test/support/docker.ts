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
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CompiledDocker, CompiledRunner } from '../../src/config/types.js';
import { defaultDockerConfig } from '../../src/executors/docker/container-config.js';
import { makeRunner } from '../../src/executors/testing/job-fixture.js';

const run = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const TEST_JOB_IMAGE = 'spotrunner-test/debian:bookworm';
export const TEST_HELPER_IMAGE = 'spotrunner-helper:latest';

async function script(name: string, timeoutMs: number): Promise<string> {
  try {
    // Test files run in parallel: one start or build at a time, the others then find it done.
    const lock = '/tmp/spotrunner-docker-setup.lock';
    const { stdout } = await run('flock', [lock, 'bash', join(repoRoot, 'scripts', name)], {
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

/** The default bridge's gateway address (the docker0 interface): the host as containers see it. */
export async function dockerGatewayIp(): Promise<string> {
  const info = JSON.parse(await docker('network', 'inspect', 'bridge')) as {
    Options?: Record<string, string>;
    IPAM?: { Config?: { Gateway?: string }[] };
  }[];
  const bridge = info[0]?.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  // os.networkInterfaces() leaves out a bridge that is down (no container on it): ask `ip`.
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]).catch(() => ({
    stdout: '',
  }));
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(stdout)?.[1];
  const ip = address ?? info[0]?.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!ip) throw new Error(`no address for the Docker bridge ${bridge}`);
  return ip;
}

export interface ContainerRelay {
  /** Address containers use, e.g. `172.17.0.1`. */
  host: string;
  port: number;
  /** `http://<host>:<port>` */
  url: string;
  stop(): Promise<void>;
}

/** Relays connections to `<gateway>:<port>` on to `127.0.0.1:<targetPort>`. */
export async function exposeToContainers(targetPort: number): Promise<ContainerRelay> {
  const host = await dockerGatewayIp();
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
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
