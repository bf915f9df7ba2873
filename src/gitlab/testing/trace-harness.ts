/**
 * A running job on the GitLab double with a JobTrace writing to it through the real client.
 */
import { createJobTrace, type JobTrace, type JobTraceOptions } from '../trace/job-trace.js';
import { clientHarness, RUNNER_TOKEN, type ClientHarness } from './client-harness.js';
import { startGitLabDouble, type DoubleJob, type GitLabDouble } from './gitlab-double.js';

export const JOB_TOKEN = 'glcbt-64_TraceJobTOKEN00000';
export const SECRET = 's3cr3t-Pa55word!';

export interface TraceHarness extends ClientHarness {
  gitlab: GitLabDouble;
  job: DoubleJob;
  trace: JobTrace;
}

export async function traceHarness(
  options: Partial<Omit<JobTraceOptions, 'job'>> = {},
  client: { requestTimeoutMs?: number } = {},
): Promise<TraceHarness> {
  const gitlab = await startGitLabDouble();
  gitlab.runnerToken = RUNNER_TOKEN;
  const job = gitlab.enqueue({ id: 901, token: JOB_TOKEN });
  job.status = 'running';
  const h = clientHarness(gitlab.url, client);
  const trace = createJobTrace(
    { clock: h.clock, logger: h.logger, api: h.client, random: () => 0.5 },
    {
      job: { id: job.id, token: job.token },
      maskedValues: [SECRET],
      tokenPrefixes: [],
      outputLimitBytes: 4 * 1024 * 1024,
      traceSections: true,
      failureReasons: ['unknown_failure', 'script_failure', 'runner_system_failure'],
      ...options,
    },
  );
  return { ...h, gitlab, job, trace };
}

/** PATCH bodies the double received, in order. */
export function patchBodies(gitlab: GitLabDouble): Buffer[] {
  return gitlab.http.requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
}

/** PUT bodies' states the double received, in order. */
export function putStates(gitlab: GitLabDouble): string[] {
  return gitlab.http.requests
    .filter((r) => r.method === 'PUT')
    .map((r) => String((r.json as { state?: unknown } | undefined)?.state));
}
