/**
 * Failing a job whose payload we cannot read, instead of leaving it stuck: accept it
 * (`state=running`, as two-phase commit requires before any other state, retried through short
 * outages), then one trace line saying why and `failed` with `runner_system_failure`, delivered
 * by the same final-update loop as every other job (202 → again, no answer → retry).
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { acceptJob } from './accept-job.js';
import type { JobRef, RunnerApi, UpdateJobRequest } from './runner-api.js';
import { createJobTrace, type TraceFinishResult } from './trace/job-trace.js';

export interface UnreadableJobDeps {
  clock: Clock;
  logger: Logger;
  api: RunnerApi;
  random?: () => number;
}

export interface UnreadableJobOptions {
  /** Why the payload was refused (schema issues); the job token is masked in the log. */
  reason: string;
  signal?: AbortSignal;
  /** As for JobTrace.finish: the final update, before the first PUT. */
  onFinalState?: (update: UpdateJobRequest) => Promise<void>;
}

export type UnreadableJobResult = TraceFinishResult | { kind: 'not-accepted'; reason: string };

export async function failUnreadableJob(
  deps: UnreadableJobDeps,
  job: JobRef,
  options: UnreadableJobOptions,
): Promise<UnreadableJobResult> {
  const log = deps.logger.child({ component: 'unreadable-job', jobId: job.id });
  const accepted = await acceptJob(deps, job, {
    waitFor: Promise.resolve(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (accepted.kind !== 'accepted') {
    const reason = accepted.kind === 'aborted' ? accepted.reason : accepted.kind;
    log.warn({ reason }, 'unreadable job could not be accepted; leaving it to gitlab');
    return { kind: 'not-accepted', reason };
  }
  const trace = createJobTrace(deps, {
    job,
    maskedValues: [],
    tokenPrefixes: [],
    outputLimitBytes: 64 * 1024,
    traceSections: false,
  });
  trace.error(
    `Job failed (system failure): spotrunner could not read the job payload: ${options.reason}`,
  );
  const result = await trace.finish(
    { result: 'failed', failureReason: 'runner_system_failure' },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onFinalState ? { onFinalState: options.onFinalState } : {}),
    },
  );
  log.info({ result: result.kind }, 'failed unreadable job upstream');
  return result;
}
