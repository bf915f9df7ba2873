/**
 * Composes everything one [[runners]] entry needs: provider, fleet engine, SSH connection pool,
 * executor, GitLab client, trace writers, cache URLs and the runner loop.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { CompiledConfig, CompiledRunner } from '../config/types.js';
import { createConnectionPool, dialSsh } from '../connect/index.js';
import { createProcessConnection } from '../connect/process-connection.js';
import { createFleet } from '../fleet/index.js';
import {
  createGitLabClient,
  createJobTrace,
  jobMaskedValues,
  jobTokenPrefixes,
  shortenToken,
} from '../gitlab/index.js';
import { createS3CacheUrls } from '../cache/s3-cache-urls.js';
import type { Logger } from '../platform/logger.js';
import type { ApiCallCounts } from '../platform/api-call-counts.js';
import { countApiCalls } from '../providers/aws/index.js';
import { describeError, SpotrunnerError } from '../platform/errors.js';
import type { Provider } from '../providers/provider.js';
import type { FallbackProvider } from '../providers/fallback/index.js';
import { createRunnerLoop } from '../runner/runner-loop.js';
import type { CacheUrlsFactory, ConnectionSource } from '../runner/ports.js';
import { buildProvider } from './build-provider.js';
import { imdsPollerPart } from '../manager/imds-poller.js';
import type { RunnerStack, RunnerStackDeps } from '../manager/runner-stack.js';
import { confirmLossVia } from './confirm-loss.js';
import { buildExecutor } from './build-executor.js';

export type { RunnerStack, RunnerStackDeps };

/** Builds a runner's stack from its compiled config (the manager's `buildStack`). */
export function buildRunnerStack(
  deps: RunnerStackDeps,
  config: CompiledConfig,
  runner: CompiledRunner,
): RunnerStack {
  const logger = deps.logger.child({ runner: runner.name });
  const held = deps.heldRemovals;
  // Bound once the fleet exists: a notice between polls makes the fleet look at once.
  let onNotice = (): void => undefined;
  const built = buildProvider(
    {
      clock: deps.clock,
      logger,
      managerName: deps.systemId,
      onInterruption: () => onNotice(),
      ...(deps.localEnv ? { localEnv: deps.localEnv } : {}),
      ...(held ? { heldRemovals: (group: string) => held(runner.name, group) } : {}),
      ...(deps.awsEndpoint ? { awsEndpoint: deps.awsEndpoint } : {}),
      ...(deps.apiCalls ? { apiCalls: deps.apiCalls } : {}),
    },
    config,
    runner,
  );
  const pool = createConnectionPool(
    { clock: deps.clock, logger },
    {
      dial: (info, signal) =>
        built.self
          ? Promise.resolve(createProcessConnection({ instanceId: info.id, cwd: config.dir }))
          : dialSsh({ clock: deps.clock, logger }, info, { hostKeys: deps.hostKeys, signal }),
    },
  );
  const scaler = runner.autoscaler;
  const readyCommand = scaler?.instanceReadyCommand;
  const fleet = createFleet(
    {
      clock: deps.clock,
      logger,
      provider: built.provider,
      readyUp: async (instance, signal) => {
        const conn = await pool.get(
          instance.id,
          () => Promise.resolve(instance.connectInfo),
          signal,
        );
        if (!readyCommand) return;
        const out: Buffer[] = [];
        const res = await conn.exec(readyCommand, {
          signal,
          onStdout: (b) => out.push(b),
          onStderr: (b) => out.push(b),
        });
        if (res.exitCode !== 0) {
          await pool.invalidate(instance.id);
          const tail = Buffer.concat(out).toString('utf8').trim().split('\n').slice(-3).join(' | ');
          throw new SpotrunnerError(
            'connect',
            `instance_ready_command exited with ${String(res.exitCode)}${tail ? `: ${tail}` : ''}`,
          );
        }
      },
    },
    {
      ...runner.fleet,
      preexistingInstances: scaler ? (deps.preexistingInstances ?? 'remove') : 'adopt',
    },
  );
  onNotice = () => {
    fleet
      .refresh()
      .catch((err: unknown) =>
        logger.warn({ err: describeError(err) }, 'fleet refresh after a notice failed'),
      );
  };
  const imds = imdsPollerPart(
    { clock: deps.clock, logger, pool, fleetStatus: () => fleet.status() },
    built.awsGroups,
  );
  const api = createGitLabClient(
    { clock: deps.clock, logger },
    {
      url: runner.url,
      token: runner.token,
      systemId: deps.systemId,
      info: { version: deps.version, executor: runner.executor, shell: 'bash' },
    },
  );
  const connections: ConnectionSource = {
    get: (acq, signal) => pool.get(acq.instanceId, () => acq.connectInfo(signal), signal),
    invalidate: (id) => {
      pool
        .invalidate(id)
        .catch((err: unknown) =>
          logger.warn({ instanceId: id, err: describeError(err) }, 'closing connection failed'),
        );
    },
  };
  const loop = createRunnerLoop(
    {
      clock: deps.clock,
      logger,
      api,
      fleet,
      executor: buildExecutor({ clock: deps.clock, logger }, runner, deps.version, deps.systemId),
      connections,
      traces: (job) =>
        createJobTrace(
          { clock: deps.clock, logger, api },
          {
            job: { id: job.id, token: job.token },
            maskedValues: jobMaskedValues(job),
            tokenPrefixes: jobTokenPrefixes(job),
            outputLimitBytes: runner.outputLimitBytes,
            traceSections: job.features.trace_sections,
            failureReasons: job.features.failure_reasons,
            ...(deps.jobLogFile ? { logFile: deps.jobLogFile(runner.name, job.id) } : {}),
          },
        ),
      ...cacheFactory(deps, runner),
      gate: deps.gate,
      ...(deps.journal ? { journal: deps.journal } : {}),
      ...(deps.recorder ? { recorder: deps.recorder } : {}),
      ...(built.self ? {} : { confirmLoss: confirmLossVia({ clock: deps.clock, fleet }) }),
      ...rerunOnFallback(built.provider, runner),
    },
    {
      runner,
      gitlabUrl: runner.cloneUrl ?? runner.url,
      checkIntervalMs: config.checkIntervalMs,
      unhealthyRequestsLimit: runner.unhealthyRequestsLimit,
      unhealthyIntervalMs: runner.unhealthyIntervalMs,
    },
  );
  return {
    runner,
    provider: built.provider,
    awsGroups: built.awsGroups,
    fleet,
    pool,
    api,
    loop,
    parts: imds ? [imds] : [],
    async dispose(): Promise<void> {
      await pool.closeAll();
      await built.provider.shutdown();
      built.dispose();
    },
  };
}

function cacheFactory(
  deps: { logger: Logger; apiCalls?: ApiCallCounts },
  runner: CompiledRunner,
): { cacheUrls?: CacheUrlsFactory } {
  const cache = runner.cache;
  const s3cfg = cache?.s3;
  if (!cache || cache.type !== 's3' || !s3cfg) return {};
  const scheme = s3cfg.insecure ? 'http' : 'https';
  const endpoint = /^https?:\/\//.test(s3cfg.serverAddress)
    ? s3cfg.serverAddress
    : `${scheme}://${s3cfg.serverAddress}`;
  const isAws = /(^|\.)amazonaws\.com(:\d+)?$/.test(
    s3cfg.serverAddress.replace(/^https?:\/\//, ''),
  );
  const client = new S3Client({
    region: s3cfg.bucketLocation || 'us-east-1',
    ...(isAws ? {} : { endpoint }),
    forcePathStyle: s3cfg.pathStyle ?? !isAws,
    ...(s3cfg.accessKey && s3cfg.secretKey
      ? {
          credentials: {
            accessKeyId: s3cfg.accessKey,
            secretAccessKey: s3cfg.secretKey,
            ...(s3cfg.sessionToken ? { sessionToken: s3cfg.sessionToken } : {}),
          },
        }
      : {}),
  });
  const s3 = deps.apiCalls ? countApiCalls(client, deps.apiCalls) : client;
  const shortToken = shortenToken(runner.token);
  return {
    cacheUrls: (job) =>
      createS3CacheUrls(
        { s3, logger: deps.logger },
        {
          bucket: s3cfg.bucketName,
          path: cache.path,
          shared: cache.shared,
          shortToken,
          projectId: job.job_info.project_id,
          expiresInSec: job.runner_info.timeout + 3600,
          ...(s3cfg.serverSideEncryption
            ? { serverSideEncryption: s3cfg.serverSideEncryption }
            : {}),
          ...(s3cfg.serverSideEncryptionKeyId
            ? { serverSideEncryptionKeyId: s3cfg.serverSideEncryptionKeyId }
            : {}),
        },
      ),
  };
}

/** With `rerun_on_fallback` and a fallback group: rescued jobs get an instance of that group. */
function rerunOnFallback(
  provider: Provider,
  runner: CompiledRunner,
): { rerunPlacement?: (signal?: AbortSignal) => Promise<((id: string) => boolean) | undefined> } {
  if (!runner.spotrunner.rerunOnFallback || !isFallbackProvider(provider)) return {};
  return {
    rerunPlacement: async (signal) => {
      const got = await provider.increaseSecondary(1, signal);
      return got > 0 ? (id: string) => provider.isSecondary(id) : undefined;
    },
  };
}

function isFallbackProvider(p: Provider): p is FallbackProvider {
  return 'increaseSecondary' in p && 'isSecondary' in p;
}
