/** `PUT /jobs/:id`: two-phase keep-alive/accept, touches and final states (protocol §2.6, §3). */
import type { Hono } from 'hono';
import type { FinalState, JobRecord } from '../model/records.js';
import { authenticateExecutingJob, findJob } from './job-auth.js';
import {
  errorResponse,
  faultResponse,
  readBody,
  recordField,
  stringField,
  textResponse,
} from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

function ok(job: JobRecord): Response {
  return textResponse(200, '200', { 'Job-Status': job.status });
}

function finalState(body: Record<string, unknown>, state: 'success' | 'failed'): FinalState {
  const output = recordField(body, 'output');
  const final: FinalState = { state };
  const reason = stringField(body, 'failure_reason');
  if (reason) final.failureReason = reason;
  if (typeof body.exit_code === 'number') final.exitCode = body.exit_code;
  const checksum = stringField(output, 'checksum') ?? stringField(body, 'checksum');
  if (checksum) final.checksum = checksum;
  if (typeof output.bytesize === 'number') final.bytesize = output.bytesize;
  return final;
}

function recordChecksum(job: JobRecord, final: FinalState): void {
  if (final.checksum === undefined && final.bytesize === undefined) return;
  const storedChecksum = job.trace.checksum();
  const storedBytesize = job.trace.length;
  const match =
    (final.checksum === undefined || final.checksum === storedChecksum) &&
    (final.bytesize === undefined || final.bytesize === storedBytesize);
  job.checksum = {
    storedChecksum,
    storedBytesize,
    match,
    ...(final.checksum !== undefined ? { reportedChecksum: final.checksum } : {}),
    ...(final.bytesize !== undefined ? { reportedBytesize: final.bytesize } : {}),
  };
  if (!match)
    job.notes.push(
      `trace checksum mismatch: runner ${final.checksum ?? '-'}/${final.bytesize ?? '-'} bytes, stored ${storedChecksum}/${storedBytesize} bytes`,
    );
}

function handleAwaitingAck(
  ctx: SandboxContext,
  job: JobRecord,
  state: string | undefined,
): Response {
  if (state === 'pending') {
    ctx.engine.keepAlive(job);
    return ok(job);
  }
  if (state === 'running') {
    ctx.engine.accept(job);
    ctx.logger.info({ jobId: job.id }, 'job accepted');
    return ok(job);
  }
  return errorResponse(400, '400 Bad request - job is waiting for the runner to accept it');
}

/** Rails' `ACCEPT_TIMEOUT`: a pending state older than this is finalised regardless. */
const ACCEPT_TIMEOUT_MS = 5 * 60_000;

/** Rails `Gitlab::Ci::Runner::Backoff`: 0–3 s old → 1 s, 4–7 s → 2 s, 8–15 s → 4 s … 64 s. */
export function traceBackoffS(ageMs: number): number {
  const ageS = Math.ceil(ageMs / 1000);
  const slot = ageS < 2 ? 0 : Math.floor(Math.log2(ageS)) - 1;
  return 2 ** Math.min(6, Math.max(0, slot));
}

/**
 * 202 while the trace is "being persisted" (protocol §3.2, §3.6): only for a final update that
 * carries a checksum; returns the interval in seconds, or undefined to finalise now.
 */
function persistingIntervalS(
  ctx: SandboxContext,
  job: JobRecord,
  final: FinalState,
): number | undefined {
  if (final.checksum === undefined) return undefined;
  const counted = ctx.faults.takePersisting();
  if (counted !== undefined) return counted;
  const delayMs = ctx.faults.traceProcessingMs;
  if (delayMs <= 0) return undefined;
  const ageMs = ctx.clock.now() - (job.pendingFinalAtMs ?? ctx.clock.now());
  if (ageMs >= Math.min(delayMs, ACCEPT_TIMEOUT_MS)) return undefined;
  return traceBackoffS(ageMs);
}

function handleFinal(ctx: SandboxContext, job: JobRecord, final: FinalState): Response {
  const intervalS = persistingIntervalS(ctx, job, final);
  if (intervalS !== undefined) {
    job.pendingFinal = final;
    job.pendingFinalAtMs ??= ctx.clock.now();
    job.acceptedFinalUpdates = (job.acceptedFinalUpdates ?? 0) + 1;
    return textResponse(202, '202', {
      'Job-Status': job.status,
      'X-GitLab-Trace-Update-Interval': String(intervalS),
    });
  }
  recordChecksum(job, final);
  ctx.engine.finish(job, final);
  ctx.logger.info({ jobId: job.id, status: job.status, reason: job.failureReason }, 'job finished');
  return ok(job);
}

export function registerJobUpdateRoute(api: Hono, ctx: SandboxContext): void {
  api.put('/jobs/:id', async (c) => {
    const fault = ctx.faults.take('jobs/update');
    if (fault) return faultResponse(fault);
    const body = (await readBody(c)) ?? {};
    const token = c.req.header('job-token') ?? stringField(body, 'token');
    const state = stringField(body, 'state');
    const found = findJob(ctx, c.req.param('id'), token);
    if (!found.ok) return found.response;
    if (found.job.awaitingAck && found.job.status === 'pending')
      return handleAwaitingAck(ctx, found.job, state);
    const auth = authenticateExecutingJob(ctx, c.req.param('id'), token);
    if (!auth.ok) return auth.response;
    const job = auth.job;
    ctx.engine.touch(job);
    switch (state) {
      case 'pending':
        return job.twoPhase
          ? errorResponse(409, '409 Conflict - job already accepted')
          : errorResponse(400, '400 Bad request - job is already running');
      case 'running':
        return ok(job);
      case 'success':
      case 'failed':
        return handleFinal(ctx, job, finalState(body, state));
      default:
        return errorResponse(400, '400 Bad request - state is invalid');
    }
  });
}
