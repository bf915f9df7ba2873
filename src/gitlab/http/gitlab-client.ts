/**
 * The GitLab runner API over HTTP: RunnerApi (verify, jobs/request, PUT job, PATCH trace),
 * artifacts and registration, as gitlab-runner speaks them (gitlab-runner-protocol.md).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { ArtifactsApi } from '../artifacts-api.js';
import type { RunnerRegistrationApi } from '../registration-api.js';
import type { RunnerApi } from '../runner-api.js';
import { shortenToken } from '../short-token.js';
import { apiBaseUrl } from './api-url.js';
import { downloadArtifacts } from './artifact-download.js';
import { uploadArtifacts } from './artifact-upload.js';
import {
  runnerInfoPayload,
  type ClientContext,
  type RunnerInfoOptions,
  type RunnerInfoPayload,
} from './client-context.js';
import { createHttpTransport, userAgent } from './http-transport.js';
import { patchTrace, updateJob } from './job-updates.js';
import { register, resetToken, unregister, verifyToken, type TokenReset } from './registration.js';
import { requestJob } from './request-job.js';

/** Response-header timeout gitlab-runner uses; long enough for Workhorse long polling. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;

export interface GitLabClientDeps {
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Jitter source for retries (0 ≤ x < 1). */
  random?: () => number;
}

export interface GitLabClientOptions {
  /** GitLab URL as configured (`https://gitlab.example.com/`, a trailing `/ci` is fine). */
  url: string;
  /** Runner authentication token; may be empty before `register()`. */
  token: string;
  /** `s_…`/`r_…` system id of this manager. */
  systemId: string;
  info: RunnerInfoOptions;
  requestTimeoutMs?: number;
}

export interface GitLabClient extends RunnerApi, ArtifactsApi, RunnerRegistrationApi {
  /** `<url>/api/v4/`. */
  readonly baseUrl: string;
  /** The `info` block sent with every runner request. */
  readonly info: RunnerInfoPayload;
  /** Last `X-GitLab-Last-Update` seen. */
  readonly lastUpdate: string | undefined;
  /** Resets the runner token (§1.6); later calls use the new one, which the caller must persist. */
  resetToken(signal?: AbortSignal): Promise<TokenReset>;
}

export function createGitLabClient(
  deps: GitLabClientDeps,
  options: GitLabClientOptions,
): GitLabClient {
  const info = runnerInfoPayload(options.info);
  const baseUrl = apiBaseUrl(options.url);
  const logger = deps.logger.child({ component: 'gitlab', runner: shortenToken(options.token) });
  const http = createHttpTransport(
    {
      clock: deps.clock,
      logger,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    },
    {
      baseUrl,
      userAgent: userAgent(info),
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  );
  const ctx: ClientContext = {
    http,
    clock: deps.clock,
    logger,
    token: options.token,
    systemId: options.systemId,
    info,
    state: {},
  };
  return {
    baseUrl,
    info,
    get lastUpdate(): string | undefined {
      return ctx.state.lastUpdate;
    },
    verify: (signal) => verifyToken(ctx, ctx.token, signal),
    requestJob: (signal) => requestJob(ctx, signal),
    updateJob: (job, update, signal) => updateJob(ctx, job, update, signal),
    patchTrace: (job, chunk, offset, signal) => patchTrace(ctx, job, chunk, offset, signal),
    uploadArtifacts: (job, upload, signal) => uploadArtifacts(ctx, job, upload, signal),
    downloadArtifacts: (dep, dest, opts, signal) => downloadArtifacts(ctx, dep, dest, opts, signal),
    register: (token, params, signal) => register(ctx, token, params, signal),
    unregister: (signal) => unregister(ctx, signal),
    resetToken: (signal) => resetToken(ctx, signal),
  };
}
