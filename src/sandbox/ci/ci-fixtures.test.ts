import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  simulatePipeline,
  type ScriptedOutcome,
  type SimulatedJob,
} from '../testing/pipeline-simulator.js';
import type { CiJob } from './ci-config.js';
import type { RuleContext } from './ci-rules.js';
import { parseCiConfig } from './parse-ci-config.js';

const TESTDATA = fileURLToPath(new URL('../testdata', import.meta.url));

interface Expected {
  description: string;
  stages?: string[];
  /** Exact job names, in order. */
  jobNames?: string[];
  /** Partial job specs by name. */
  jobs?: Record<string, Partial<CiJob> & { needNames?: string[] }>;
  /** Each entry must occur in one warning; the count must match. */
  warnings?: string[];
  errors?: string[];
  /** The pipeline `rules:` are evaluated for; without it they are only reported. */
  rules?: RuleContext;
  runs?: {
    outcomes: Record<string, ScriptedOutcome>;
    pipeline: string;
    withWarnings?: boolean;
    jobs: Record<string, Partial<SimulatedJob>>;
  }[];
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (name.endsWith('.yml')) out[name] = readFileSync(join(dir, name), 'utf8');
  }
  return out;
}

function expectMessages(actual: string[], wanted: string[] | undefined): void {
  const list = wanted ?? [];
  for (const fragment of list)
    expect(
      actual.some((m) => m.includes(fragment)),
      `missing "${fragment}" in ${JSON.stringify(actual)}`,
    ).toBe(true);
  expect(actual).toHaveLength(list.length);
}

describe('CI YAML fixtures', () => {
  for (const name of readdirSync(TESTDATA).sort()) {
    const dir = join(TESTDATA, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    it(`${name}: ${expected.description}`, async () => {
      const all = files(dir);
      const config = await parseCiConfig(all['.gitlab-ci.yml'] ?? '', {
        readLocalFile: (path) => Promise.resolve(all[path]),
        ...(expected.rules ? { rules: expected.rules } : {}),
      });
      expectMessages(config.errors, expected.errors);
      expectMessages(config.warnings, expected.warnings);
      if (expected.stages) expect(config.stages).toEqual(expected.stages);
      if (expected.jobNames) expect(config.jobs.map((j) => j.name)).toEqual(expected.jobNames);
      for (const [jobName, partial] of Object.entries(expected.jobs ?? {})) {
        const job = config.jobs.find((j) => j.name === jobName);
        expect(job, `job ${jobName}`).toBeDefined();
        const { needNames, ...rest } = partial;
        expect(job).toMatchObject(rest);
        if (needNames) expect(job?.needs?.map((n) => n.job)).toEqual(needNames);
      }
      for (const run of expected.runs ?? []) {
        const result = simulatePipeline(config, run.outcomes);
        expect(result.pipeline, JSON.stringify(result.jobs)).toBe(run.pipeline);
        if (run.withWarnings !== undefined) expect(result.withWarnings).toBe(run.withWarnings);
        for (const [jobName, partial] of Object.entries(run.jobs)) {
          expect(
            result.jobs[jobName],
            `job ${jobName} in ${JSON.stringify(run.outcomes)}`,
          ).toMatchObject(partial);
        }
      }
    });
  }
});
