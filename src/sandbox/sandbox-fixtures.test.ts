/**
 * The `server` part of the CI fixtures in `testdata/`: the folder becomes a project of a real
 * sandbox server, and a runner speaking the runner API takes every job it is handed, checks the
 * payload (variables, dependencies), uploads dotenv reports and reports the scripted outcome.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  putJob,
  requestJob,
  startHarness,
  type Harness,
  type JobHandle,
} from './testing/sandbox-harness.js';

const TESTDATA = fileURLToPath(new URL('./testdata', import.meta.url));

/** A value, `null` for "not set", or `{ "match": "<regex>" }`. */
type ExpectedValue = string | null | { match: string };

interface ServerJob {
  /** `success` (default), `failed` or `failed:<exit code>`. */
  outcome?: string;
  /** Uploaded as the job's `artifacts:reports:dotenv` (gzip, as the runner sends it). */
  dotenv?: string;
  /** HTTP status the dotenv upload must get; default 201. */
  dotenvStatus?: number;
  variables?: Record<string, ExpectedValue>;
  /** Names of the jobs in the payload's `dependencies`, in any order. */
  dependencies?: string[];
}

interface ServerRun {
  description: string;
  /** Project variables (`.spotrunner-sandbox.yml` style, plain values). */
  projectVariables?: Record<string, string>;
  jobs: Record<string, ServerJob>;
  /** Job names in the order the runner is handed them, when it matters. */
  order?: string[];
  pipeline: string;
  withWarnings?: boolean;
  /** Final status of every latest job. */
  statuses: Record<string, string>;
  warnings?: string[];
}

function projectFiles(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (rel === 'expected.json') continue;
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, projectFiles(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

function checkValue(
  job: string,
  key: string,
  actual: string | undefined,
  want: ExpectedValue,
): void {
  const at = `${job}: ${key}`;
  if (want === null) expect(actual, at).toBeUndefined();
  else if (typeof want === 'string') expect(actual, at).toBe(want);
  else expect(actual, at).toMatch(new RegExp(want.match));
}

async function uploadDotenv(h: Harness, job: JobHandle, text: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([gzipSync(text)]), '.env.gz');
  const res = await fetch(
    `${h.url}/api/v4/jobs/${job.id}/artifacts?artifact_type=dotenv&artifact_format=gzip`,
    { method: 'POST', headers: { 'JOB-TOKEN': job.token }, body: form },
  );
  await res.text();
  return res.status;
}

async function runJob(h: Harness, job: JobHandle, spec: ServerJob, name: string): Promise<void> {
  const vars = new Map(
    (job.payload.variables as { key: string; value: string }[]).map((v) => [v.key, v.value]),
  );
  for (const [key, want] of Object.entries(spec.variables ?? {}))
    checkValue(name, key, vars.get(key), want);
  if (spec.dependencies) {
    const deps = (job.payload.dependencies as { name: string }[]).map((d) => d.name);
    expect([...deps].sort(), `${name}: dependencies`).toEqual([...spec.dependencies].sort());
  }
  await putJob(h.url, job.id, job.token, { state: 'running' });
  if (spec.dotenv !== undefined)
    expect(await uploadDotenv(h, job, spec.dotenv), `${name}: dotenv upload`).toBe(
      spec.dotenvStatus ?? 201,
    );
  const [state = 'success', code] = (spec.outcome ?? 'success').split(':');
  await putJob(h.url, job.id, job.token, {
    state,
    ...(state === 'failed'
      ? { failure_reason: 'script_failure', exit_code: Number(code ?? 1) }
      : {}),
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('CI fixtures on the sandbox server', () => {
  for (const name of readdirSync(TESTDATA).sort()) {
    const dir = join(TESTDATA, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
      server?: ServerRun;
    };
    const run = expected.server;
    if (!run) continue;
    it(`${name}: ${run.description}`, async () => {
      const { '.gitlab-ci.yml': ci = '', ...files } = projectFiles(dir);
      const variables = Object.entries(run.projectVariables ?? {})
        .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`)
        .join('');
      if (variables) files['.spotrunner-sandbox.yml'] = `variables:\n${variables}`;
      h = await startHarness({ ci, files });
      const handedOut: string[] = [];
      for (let guard = 0; guard < 100; guard++) {
        const res = await requestJob(h.url, h.runnerToken);
        if (res.status === 204) break;
        const payload = res.json() as Record<string, unknown>;
        const jobName = (payload.job_info as { name: string }).name;
        handedOut.push(jobName);
        const job = { id: payload.id as number, token: payload.token as string, payload };
        await runJob(h, job, run.jobs[jobName] ?? {}, jobName);
      }
      if (run.order) expect(handedOut).toEqual(run.order);
      for (const jobName of Object.keys(run.jobs)) expect(handedOut, jobName).toContain(jobName);
      const pipeline = h.server.pipelines()[0]!;
      const latest = pipeline.jobs.filter((j) => !j.retried);
      expect(Object.fromEntries(latest.map((j) => [j.name, j.status]))).toEqual(run.statuses);
      expect(pipeline.status).toBe(run.pipeline);
      if (run.withWarnings !== undefined) expect(pipeline.withWarnings).toBe(run.withWarnings);
      for (const fragment of run.warnings ?? [])
        expect(pipeline.warnings.join('\n')).toContain(fragment);
    });
  }
});
