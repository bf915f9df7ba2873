/**
 * Makes an image available on the instance's Docker daemon following its pull policies in
 * order, as gitlab-runner's pull manager does: `never` uses the local image or fails,
 * `if-not-present` pulls only when it is missing, `always` pulls; a failed policy falls
 * through to the next one. When every policy fails the error is an `image_pull_failure`.
 */
import type Docker from 'dockerode';
import type { Logger } from '../../platform/logger.js';
import type { TraceSink } from '../executor.js';
import { DockerJobError, describeDockerError, isNotFound } from './docker-errors.js';
import { pullReference } from './image-ref.js';
import type { PullPolicy } from './pull-policy.js';
import type { ResolvedRegistryAuth } from './registry-auth.js';

export interface ImageRequest {
  name: string;
  policies: readonly PullPolicy[];
  auth?: ResolvedRegistryAuth;
  platform?: string;
  signal?: AbortSignal;
}

export interface ImageInfo {
  id: string;
  /** TCP ports the image declares with EXPOSE. */
  exposedPorts: number[];
}

export interface ImagePullDeps {
  docker: Docker;
  trace: TraceSink;
  logger: Logger;
  /** Hears each pull from the registry (successful or not) with its wall-clock interval. */
  onPull?: (interval: PullInterval) => void;
  /** The clock for `onPull`'s interval. */
  nowMs?: () => number;
}

export interface PullInterval {
  startMs: number;
  endMs: number;
}

export async function ensureImage(deps: ImagePullDeps, request: ImageRequest): Promise<ImageInfo> {
  let lastError = '';
  for (const [index, policy] of request.policies.entries()) {
    if (index > 0) deps.trace.write(`Attempt #${index + 1}: Trying "${policy}" pull policy\n`);
    try {
      const info = await imageWithPolicy(deps, request, policy);
      deps.trace.write(`Using docker image ${info.id} for ${request.name} ...\n`);
      return info;
    } catch (err: unknown) {
      if (request.signal?.aborted) throw err;
      lastError = describeDockerError(err);
      deps.logger.info({ image: request.name, policy, err: lastError }, 'image policy failed');
      if (index < request.policies.length - 1) {
        deps.trace.warn(`Failed to pull image with policy "${policy}": ${lastError}`);
      }
    }
  }
  throw new DockerJobError(
    'image_pull_failure',
    `failed to pull image "${request.name}" with specified policies [${request.policies.join(' ')}]: ${lastError}`,
  );
}

async function imageWithPolicy(
  deps: ImagePullDeps,
  request: ImageRequest,
  policy: PullPolicy,
): Promise<ImageInfo> {
  if (policy !== 'always') {
    const local = await inspectImage(deps.docker, request.name);
    if (local) {
      if (policy === 'if-not-present') {
        deps.trace.write('Using locally found image version due to "if-not-present" pull policy\n');
      }
      return local;
    }
    if (policy === 'never') {
      throw new Error(
        `image "${request.name}" is not present on the instance and the pull policy is "never"`,
      );
    }
  }
  await pullImage(deps, request);
  const pulled = await inspectImage(deps.docker, request.name);
  if (!pulled) throw new Error(`image "${request.name}" is missing after the pull`);
  return pulled;
}

async function inspectImage(docker: Docker, name: string): Promise<ImageInfo | undefined> {
  try {
    const info = await docker.getImage(pullReference(name)).inspect();
    const exposed = Object.keys(info.Config?.ExposedPorts ?? {});
    return { id: info.Id, exposedPorts: tcpPorts(exposed) };
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** `8080/tcp`, `53/udp`, `80` → the TCP port numbers. */
export function tcpPorts(specs: readonly string[]): number[] {
  const ports = specs.flatMap((spec) => {
    const [port, proto] = spec.split('/');
    if (proto !== undefined && proto.toLowerCase() !== 'tcp') return [];
    const n = Number.parseInt(port ?? '', 10);
    return Number.isInteger(n) && n > 0 && n < 65536 ? [n] : [];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

async function pullImage(deps: ImagePullDeps, request: ImageRequest): Promise<void> {
  const startMs = deps.nowMs?.() ?? 0;
  try {
    await pullFromRegistry(deps, request);
  } finally {
    if (deps.onPull && deps.nowMs) deps.onPull({ startMs, endMs: deps.nowMs() });
  }
}

async function pullFromRegistry(deps: ImagePullDeps, request: ImageRequest): Promise<void> {
  const ref = pullReference(request.name);
  const via = request.auth ? ` with credentials from ${request.auth.source}` : '';
  deps.trace.write(`Pulling docker image ${ref}${via} ...\n`);
  const stream = await deps.docker.pull(ref, {
    ...(request.auth ? { authconfig: request.auth.auth } : {}),
    ...(request.platform ? { platform: request.platform } : {}),
    ...(request.signal ? { abortSignal: request.signal } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    deps.docker.modem.followProgress(stream, (err: Error | null, events: unknown[]) => {
      const failed = err ? err.message : progressError(events);
      if (failed !== undefined) reject(new Error(failed));
      else resolve();
    });
  });
}

/** Total length of the intervals, overlaps counted once (concurrent pulls). */
export function pullWallMs(intervals: readonly PullInterval[]): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const { startMs, endMs } of [...intervals].sort((a, b) => a.startMs - b.startMs)) {
    const from = Math.max(startMs, end);
    if (endMs > from) total += endMs - from;
    end = Math.max(end, endMs);
  }
  return total;
}

/** The daemon reports pull failures as `{"error": "…"}` events inside a 200 response. */
function progressError(events: readonly unknown[]): string | undefined {
  for (const event of events) {
    if (typeof event !== 'object' || event === null) continue;
    const error = (event as { error?: unknown }).error;
    if (typeof error === 'string' && error !== '') return error;
  }
  return undefined;
}
