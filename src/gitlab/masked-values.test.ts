import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJobPayload } from './job-payload.js';
import { jobMaskedValues, jobTokenPrefixes } from './masked-values.js';

const load = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}.json`, import.meta.url), 'utf8'));

describe('jobMaskedValues', () => {
  it('collects masked variables, the job token and registry passwords once each', () => {
    const parsed = parseJobPayload(load('job-example'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const values = jobMaskedValues(parsed.job);
    expect(values.sort()).toEqual(['glcbt-64_Zx9yW3vQ8rTgS2n1aBcD', 's3cr3t-Pa55word!']);
    expect(values).not.toContain('4242');
  });

  it('passes on the job token prefixes', () => {
    const parsed = parseJobPayload(load('job-rails-nulls'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(jobTokenPrefixes(parsed.job)).toEqual(['acme_']);
    expect(jobMaskedValues(parsed.job)).toEqual(['glcbt-1f_NullsEverywhere000']);
  });
});
