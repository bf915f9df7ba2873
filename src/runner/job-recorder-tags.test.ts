import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import { parseJobPayload, type JobPayload } from '../gitlab/job-payload.js';
import { runnerTagsOf, startJobTally, type RecordedJob } from './job-recorder.js';

function fixture(): JobPayload {
  const raw: unknown = JSON.parse(
    readFileSync(new URL('./fixtures/job-payload-runner-tags.json', import.meta.url), 'utf8'),
  );
  const parsed = parseJobPayload(raw);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${JSON.stringify(parsed)}`);
  return parsed.job;
}

function withTags(value: string, masked = false): JobPayload {
  const job = fixture();
  return {
    ...job,
    variables: [
      ...job.variables.filter((v) => v.key !== 'CI_RUNNER_TAGS'),
      { key: 'CI_RUNNER_TAGS', value, public: true, masked, file: false, raw: false },
    ],
  };
}

describe('job record tags', () => {
  it("records the runner's tags from CI_RUNNER_TAGS in the job payload", () => {
    const records: RecordedJob[] = [];
    const tally = startJobTally(
      {
        clock: new VirtualClock(),
        fleet: { status: () => ({ instances: [] }) as never },
        recorder: { jobFinished: (j) => records.push(j) },
      },
      'aws-spot',
      fixture(),
    );
    tally.done('success');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      jobId: 4242,
      project: 'acme/widget',
      tags: ['arm64', 'docker', 'spot'],
    });
    expect(JSON.stringify(records[0])).not.toContain('glcbt-');
  });

  it('reads the comma-separated form older GitLab sends, and nothing from a masked or absent variable', () => {
    expect(runnerTagsOf(withTags('docker, linux ,,spot'))).toEqual(['docker', 'linux', 'spot']);
    expect(runnerTagsOf(withTags('[]'))).toEqual([]);
    expect(runnerTagsOf(withTags('["a", "a", "b"]'))).toEqual(['a', 'b']);
    expect(runnerTagsOf(withTags('["secret"]', true))).toEqual([]);
    expect(runnerTagsOf({ variables: [] })).toEqual([]);
  });
});
