/**
 * What every endpoint helper of the GitLab client shares: the transport, the runner's identity
 * and the `info` block GitLab sees on verify, register, jobs/request and PUT (§2.1).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { runnerFeatures, type RunnerFeatures } from '../features.js';
import type { HttpResponse, HttpTransport } from './http-transport.js';

export interface RunnerInfoOptions {
  /** Program name; `spotrunner` by default. */
  name?: string;
  version: string;
  revision?: string;
  /** `instance`, `docker-autoscaler`, … — decides the feature set. */
  executor: string;
  shell?: string;
  /** Go-style GOOS; defaults to this process's platform. */
  platform?: string;
  /** Go-style GOARCH; defaults to this process's architecture. */
  architecture?: string;
  /** Overrides on top of the executor's feature set. */
  features?: Partial<RunnerFeatures>;
  labels?: Record<string, string>;
  gpus?: string;
}

/** The `info` object as sent on the wire. */
export interface RunnerInfoPayload {
  name: string;
  version: string;
  revision: string;
  platform: string;
  architecture: string;
  executor: string;
  shell: string;
  features: RunnerFeatures;
  config: { gpus: string };
  labels?: Record<string, string>;
}

export interface ClientContext {
  http: HttpTransport;
  clock: Clock;
  logger: Logger;
  token: string;
  systemId: string;
  info: RunnerInfoPayload;
  /** Last `X-GitLab-Last-Update` seen, sent back as `last_update`. */
  state: { lastUpdate?: string };
}

const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm: 'arm' };
const GO_OS: Readonly<Record<string, string>> = { win32: 'windows' };

export function runnerInfoPayload(options: RunnerInfoOptions): RunnerInfoPayload {
  return {
    name: options.name ?? 'spotrunner',
    version: options.version,
    revision: options.revision ?? 'unknown',
    platform: options.platform ?? GO_OS[process.platform] ?? process.platform,
    architecture: options.architecture ?? GO_ARCH[process.arch] ?? process.arch,
    executor: options.executor,
    shell: options.shell ?? 'bash',
    features: runnerFeatures(options.executor, options.features),
    config: { gpus: options.gpus ?? '' },
    ...(options.labels ? { labels: { ...options.labels } } : {}),
  };
}

/** Keeps `X-GitLab-Last-Update` from any response that carries a non-empty one (§2.3). */
export function rememberLastUpdate(ctx: ClientContext, res: HttpResponse): void {
  const value = res.headers.get('X-GitLab-Last-Update');
  if (value) ctx.state.lastUpdate = value;
}

/** ISO 8601 expiry → epoch ms; null, invalid or Go's zero time → undefined. */
export function parseExpiry(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  return ms;
}
