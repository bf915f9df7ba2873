/**
 * `.gitlab-ci.yml` reading as GitLab does for a push, one fixture folder per behaviour under
 * `testdata-yaml/`: each is imported as a project into the real sandbox server (git and all),
 * a pipeline is created, and what GitLab would create is checked — the jobs in order, their
 * stages, the errors GitLab refuses the configuration with, and the scripts and variables the
 * runner receives for each job. Expectations come from GitLab's documentation (`source`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPipeline } from './format-pipeline.js';
import {
  runNextJob,
  startHarness,
  type Harness,
  type HistoryCommit,
} from './testing/sandbox-harness.js';

const FIXTURES = fileURLToPath(new URL('./testdata-yaml', import.meta.url));

interface ExpectedPayload {
  script?: string[];
  after_script?: string[];
  /** Variables the job must receive (others may be present too). */
  variables?: Record<string, string>;
  /** Other payload fields, matched partially (`image`, `services`, `cache`, `artifacts`). */
  match?: Record<string, unknown>;
}

interface Expected {
  description: string;
  /** Where in GitLab's documentation the expectation comes from. */
  source: string;
  /** Earlier commits: the project is then a git repository whose last commit is the folder. */
  history?: HistoryCommit[];
  /** Pipeline inputs for the `spec:inputs` of `.gitlab-ci.yml` (as `sandbox --input`). */
  inputs?: Record<string, string>;
  /** Pipeline variables (as for a pipeline run with variables). */
  variables?: Record<string, string>;
  /**
   * GitLab's messages refusing the configuration, in order; each error must start with one
   * (the sandbox may add where or why after it). None: the pipeline is created.
   */
  errors?: string[];
  /** Fragments, one per warning. */
  warnings?: string[];
  /** `stage: job` lines in the order the pipeline shows them. */
  jobs?: string[];
  payloads?: Record<string, ExpectedPayload>;
}

function fixtureFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (name === 'expected.json') continue;
    try {
      out[name] = readFileSync(join(dir, name), 'utf8');
    } catch {
      // A directory.
    }
  }
  return out;
}

const startsWith = (text: string): RegExp =>
  new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

interface Taken {
  name: string;
  steps: { name: string; script: string[] }[];
  variables: { key: string; value: string }[];
}

/** Runs every job through the runner API to success, in the order the server hands them out. */
async function drainJobs(h: Harness): Promise<Map<string, Taken>> {
  const taken = new Map<string, Taken>();
  for (let i = 0; i < 100; i++) {
    let job;
    try {
      job = await runNextJob(h, 'success');
    } catch {
      break; // No job left to hand out.
    }
    const payload = job.payload as unknown as Taken & { job_info: { name: string } };
    taken.set(payload.job_info.name, payload);
  }
  return taken;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('.gitlab-ci.yml fixtures through the sandbox server', () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    it(`${name}: ${expected.description}`, async () => {
      const { '.gitlab-ci.yml': ci = '', ...files } = fixtureFiles(dir);
      h = await startHarness({
        ci,
        files,
        pipeline: false,
        ...(expected.history ? { history: expected.history } : {}),
      });
      const created = await h.server.createPipeline(h.project.id, {
        ...(expected.variables ? { variables: expected.variables } : {}),
        ...(expected.inputs ? { inputs: expected.inputs } : {}),
      });
      const context = JSON.stringify({ errors: created.errors, warnings: created.warnings });
      const errors = expected.errors ?? [];
      expect(created.errors, context).toHaveLength(errors.length);
      errors.forEach((message, i) =>
        expect(created.errors[i], context).toMatch(startsWith(message)),
      );
      const warnings = expected.warnings ?? [];
      for (const fragment of warnings)
        expect(
          created.warnings.some((w) => w.includes(fragment)),
          `warning "${fragment}" in ${context}`,
        ).toBe(true);
      expect(created.warnings, context).toHaveLength(warnings.length);
      if (expected.errors) {
        expect(created).toMatchObject({ status: 'failed', jobs: [] });
        return;
      }
      expect(created.jobs.map((j) => `${j.stage}: ${j.name}`)).toEqual(expected.jobs);
      const stageLines = formatPipeline(created)
        .split('\n')
        .filter((l) => /^ {2}\S/.test(l) && !/^ {2}(error|warning):/.test(l))
        .map((l) => l.trim());
      const wantStages = (expected.jobs ?? []).map((line) => line.split(': ')[0]);
      expect(stageLines).toEqual([...new Set(wantStages)]);
      const taken = await drainJobs(h);
      for (const [job, want] of Object.entries(expected.payloads ?? {})) {
        const got = taken.get(job);
        expect(got, `job ${job} was handed to the runner`).toBeDefined();
        const step = (n: string): string[] | undefined =>
          got?.steps.find((s) => s.name === n)?.script;
        if (want.script) expect(step('script'), job).toEqual(want.script);
        if (want.after_script) expect(step('after_script'), job).toEqual(want.after_script);
        const vars = Object.fromEntries((got?.variables ?? []).map((v) => [v.key, v.value]));
        if (want.variables) expect(vars, job).toMatchObject(want.variables);
        if (want.match) expect(got, job).toMatchObject(want.match);
      }
    });
  }
});
