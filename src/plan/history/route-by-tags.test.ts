import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { historySpan, type History, type JobRecord } from './job-record.js';
import { routeHistory, runnerTakesJob } from './route-by-tags.js';

const DAY = 86_400_000;
const job = (day: number, tags: string[]): JobRecord => ({
  queuedAtMs: Date.UTC(2026, 4, 4) + day * DAY + 3_600_000,
  durationMs: 60_000,
  tags,
  project: 'g/p',
});

describe('routing history by runner tags', () => {
  it("takes a job when all its tags are the runner's, and untagged jobs only if asked", () => {
    const runner = { tags: ['docker', 'arm64'], runUntagged: false };
    expect(runnerTakesJob(runner, { tags: ['docker'] })).toBe(true);
    expect(runnerTakesJob(runner, { tags: ['docker', 'arm64'] })).toBe(true);
    expect(runnerTakesJob(runner, { tags: ['docker', 'large'] })).toBe(false);
    expect(runnerTakesJob(runner, { tags: [] })).toBe(false);
    expect(runnerTakesJob({ ...runner, runUntagged: true }, { tags: [] })).toBe(true);
    expect(runnerTakesJob({ tags: [], runUntagged: true }, { tags: ['docker'] })).toBe(false);
  });

  it('keeps the whole history span, so a month stays a month', () => {
    const history: History = {
      source: 'h.csv',
      skipped: 0,
      jobs: [job(0, ['large']), job(1, []), job(5, ['docker']), job(12, ['docker'])],
    };
    const routed = routeHistory(history, { tags: ['large'], runUntagged: false });
    expect(routed.jobs).toHaveLength(1);
    expect(historySpan(routed)).toEqual(historySpan(history));
    expect(historySpan(routed).spanMs).toBe(14 * DAY);
    expect(routed.routing).toEqual({ tags: ['large'], runUntagged: false, jobsForOtherRunners: 3 });
  });

  it('says which tags the history has when the runner would take nothing', () => {
    const history: History = { source: 'h.csv', skipped: 0, jobs: [job(0, ['docker'])] };
    expect(() => routeHistory(history, { tags: ['gpu'], runUntagged: false })).toThrow(UserError);
    expect(() => routeHistory(history, { tags: ['gpu'], runUntagged: true })).toThrow(
      'no job of the 1 in the history would go to a runner with tags [gpu] that runs untagged jobs (tags in the history: docker)',
    );
  });
});
