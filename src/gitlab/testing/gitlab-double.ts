/**
 * A small GitLab that follows gitlab-runner-protocol.md §10 for the endpoints the client uses:
 * jobs/request (with two-phase ack-wait), PUT job, PATCH trace (416 on a wrong offset), artifacts.
 * Faults are injected with `intercept` (answer or drop a request before the double sees it).
 */
import {
  startHttpDouble,
  type Handler,
  type HttpDouble,
  type RecordedRequest,
  type Reply,
} from './http-double.js';

export interface DoubleJob {
  id: number;
  token: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'ack-wait' | 'running' | 'canceling' | 'canceled' | 'success' | 'failed';
  trace: Buffer;
  /** Every PUT body received. */
  updates: Record<string, unknown>[];
  /** Final states applied (should be exactly one). */
  finals: { state: string; failureReason?: string; checksum?: string; bytesize?: number }[];
  /** 202 answers still to give to final PUTs that carry a checksum (as Rails: none without). */
  accept202: number;
}

export interface GitLabDouble {
  readonly url: string;
  readonly http: HttpDouble;
  readonly jobs: Map<number, DoubleJob>;
  runnerToken: string;
  /** Seconds sent in X-GitLab-Trace-Update-Interval on PATCH. */
  traceIntervalSeconds: number;
  /** Runs before the double; return a Reply or 'drop' to take over, undefined to pass. */
  intercept: ((req: RecordedRequest) => Reply | 'drop' | 'hang' | undefined) | undefined;
  enqueue(payload: Record<string, unknown>): DoubleJob;
  close(): Promise<void>;
}

const EXECUTING = new Set(['running', 'canceling']);

function jobFor(double: GitLabDouble, req: RecordedRequest): DoubleJob | Reply {
  const id = Number(/^\/api\/v4\/jobs\/(\d+)/.exec(req.path)?.[1]);
  const job = double.jobs.get(id);
  const token = req.headers['job-token'];
  if (!job || token !== job.token) return { status: 403, body: { message: '403 Forbidden' } };
  return job;
}

function putJob(job: DoubleJob, body: Record<string, unknown>): Reply {
  job.updates.push(body);
  const state = String(body.state);
  const jobStatus = (): Record<string, string> => ({ 'Job-Status': job.status });
  if (job.status === 'ack-wait') {
    if (state === 'pending') return { status: 200, body: '200', headers: jobStatus() };
    if (state === 'running') {
      job.status = 'running';
      return { status: 200, body: '200', headers: jobStatus() };
    }
    return { status: 400, body: { message: '400 Bad request' } };
  }
  if (!EXECUTING.has(job.status)) {
    return {
      status: 403,
      body: { message: '403 Forbidden - Job is not running' },
      headers: jobStatus(),
    };
  }
  if (state === 'pending') return { status: 400, body: { message: '400 Bad request' } };
  if (state === 'running') return { status: 200, body: '200', headers: jobStatus() };
  if (state !== 'success' && state !== 'failed')
    return { status: 400, body: { message: 'bad state' } };
  const output = (body.output ?? {}) as { checksum?: string; bytesize?: number };
  if (job.accept202 > 0 && output.checksum !== undefined) {
    job.accept202--;
    return {
      status: 202,
      body: '202',
      headers: { ...jobStatus(), 'X-GitLab-Trace-Update-Interval': '2' },
    };
  }
  job.finals.push({
    state,
    ...(typeof body.failure_reason === 'string' ? { failureReason: body.failure_reason } : {}),
    ...(output.checksum !== undefined ? { checksum: output.checksum } : {}),
    ...(output.bytesize !== undefined ? { bytesize: output.bytesize } : {}),
  });
  job.status = job.status === 'canceling' ? 'canceled' : state;
  return { status: 200, body: '200', headers: jobStatus() };
}

function patchTrace(double: GitLabDouble, job: DoubleJob, req: RecordedRequest): Reply {
  if (!EXECUTING.has(job.status)) {
    return {
      status: 403,
      body: { message: '403 Forbidden' },
      headers: { 'Job-Status': job.status },
    };
  }
  const range = req.headers['content-range'];
  if (typeof range !== 'string')
    return { status: 400, body: { message: 'Missing header Content-Range' } };
  const start = Number(range.split('-')[0]);
  if (start !== job.trace.length) {
    return { status: 416, body: '416', headers: { Range: `0-${job.trace.length}` } };
  }
  job.trace = Buffer.concat([job.trace, req.body]);
  return {
    status: 202,
    body: '202',
    headers: {
      'Job-Status': job.status,
      Range: `0-${job.trace.length}`,
      'X-GitLab-Trace-Update-Interval': String(double.traceIntervalSeconds),
    },
  };
}

function route(double: GitLabDouble, queue: DoubleJob[], req: RecordedRequest): Reply {
  const body = (req.json ?? {}) as Record<string, unknown>;
  if (req.method === 'POST' && req.path === '/api/v4/jobs/request') {
    if (!body.token) return { status: 400, body: { message: '400 Bad request' } };
    if (body.token !== double.runnerToken)
      return { status: 403, body: { message: '403 Forbidden' } };
    const job = queue.shift();
    if (!job) return { status: 204, headers: { 'X-GitLab-Last-Update': 'tick-1' } };
    const info = body.info as { features?: Record<string, boolean> } | undefined;
    job.status = info?.features?.two_phase_job_commit ? 'ack-wait' : 'running';
    return { status: 201, body: job.payload };
  }
  const found = jobFor(double, req);
  if (!('id' in found)) return found;
  if (req.method === 'PUT' && /^\/api\/v4\/jobs\/\d+$/.test(req.path)) return putJob(found, body);
  if (req.method === 'PATCH' && req.path.endsWith('/trace')) return patchTrace(double, found, req);
  return { status: 404, body: { message: '404 Not found' } };
}

export async function startGitLabDouble(): Promise<GitLabDouble> {
  const queue: DoubleJob[] = [];
  const handler: Handler = (req) => double.intercept?.(req) ?? route(double, queue, req);
  const http = await startHttpDouble(handler);
  const double: GitLabDouble = {
    url: http.url,
    http,
    jobs: new Map(),
    runnerToken: 'glrt-t1_runnerTOKEN123456789',
    traceIntervalSeconds: 3,
    intercept: undefined,
    enqueue(payload) {
      const job: DoubleJob = {
        id: Number(payload.id),
        token: String(payload.token),
        payload,
        status: 'pending',
        trace: Buffer.alloc(0),
        updates: [],
        finals: [],
        accept202: 0,
      };
      double.jobs.set(job.id, job);
      queue.push(job);
      return job;
    },
    close: () => http.close(),
  };
  return double;
}
