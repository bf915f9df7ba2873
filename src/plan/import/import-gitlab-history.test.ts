import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../platform/clock.js';
import { UserError } from '../../platform/errors.js';
import { MemoryLogger } from '../../platform/logger.js';
import { gitlabJobJson, startGitlabDouble, type GitlabDouble } from './testing/gitlab-double.js';
import { importGitlabHistory, type ImportProgress } from './import-gitlab-history.js';

const TOKEN = 'glpat-secret-token-value';
const T0 = Date.parse('2026-05-15T00:00:00Z');

/** A clock whose sleeps return at once but are recorded, and whose time only moves when told. */
function fakeClock(): Clock & { slept: number[]; nowMs: number } {
  const c = {
    nowMs: T0,
    slept: [] as number[],
    now: () => c.nowMs,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.nowMs += ms;
    },
    schedule: () => () => undefined,
  };
  return c;
}

function jobsEvery(
  count: number,
  firstId: number,
  fromIso: string,
  stepMs: number,
): Record<string, unknown>[] {
  const from = Date.parse(fromIso);
  return Array.from({ length: count }, (_, i) =>
    gitlabJobJson(firstId + i, new Date(from + i * stepMs).toISOString(), 60 + i),
  );
}

let gitlab: GitlabDouble;
let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'plan-import-'));
  gitlab = await startGitlabDouble(TOKEN, [
    { id: 7, path: 'group/app', jobs: jobsEvery(250, 1, '2026-05-01T00:00:00Z', 3_600_000) },
    { id: 8, path: 'group/sub/lib', jobs: jobsEvery(30, 1001, '2026-05-10T00:00:00Z', 600_000) },
  ]);
});
afterEach(async () => {
  await gitlab.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function run(
  clock: ReturnType<typeof fakeClock>,
  extra: Record<string, unknown> = {},
  logger = new MemoryLogger(),
) {
  const progress: ImportProgress[] = [];
  const promise = importGitlabHistory(
    { fetch: (url, init) => fetch(url, init), clock, logger, onProgress: (p) => progress.push(p) },
    { baseUrl: gitlab.url, token: TOKEN, project: 'group/app', cacheDir, ...extra },
  );
  return { promise, progress };
}

describe('importGitlabHistory', () => {
  it('pages through the jobs API with X-Next-Page and maps every job', async () => {
    const { promise, progress } = run(fakeClock());
    const history = await promise;
    expect(history.jobs).toHaveLength(250);
    expect(history.jobs[0]).toMatchObject({
      queuedAtMs: Date.parse('2026-05-01T00:00:00Z'),
      durationMs: 60_000,
      project: 'group/app',
      tags: ['docker'],
    });
    const jobRequests = gitlab.requests.filter((r) => r.includes('/jobs'));
    expect(jobRequests).toHaveLength(3);
    expect(jobRequests[0]).toContain(
      'scope[]=success&scope[]=failed&scope[]=canceled&per_page=100',
    );
    expect(jobRequests[2]).toContain('page=3');
    expect(progress.at(-1)).toMatchObject({ pages: 3, fetchedJobs: 250, cachedJobs: 0 });
  });

  it('waits as long as Retry-After says on 429 and then carries on', async () => {
    const clock = fakeClock();
    gitlab.throttle(2, '7');
    const history = await run(clock).promise;
    expect(history.jobs).toHaveLength(250);
    expect(clock.slept).toEqual([7000, 7000]);
  });

  it('reuses the cache on a re-run and fetches only new jobs', async () => {
    const clock = fakeClock();
    await run(clock).promise;
    const cached = await readFile(
      join(cacheDir, gitlab.url.replace('http://', '').replace(':', '_'), 'group', 'app.jsonl'),
      'utf8',
    );
    expect(cached.trim().split('\n')).toHaveLength(250);
    gitlab.projects[0]!.jobs.push(...jobsEvery(5, 251, '2026-05-16T00:00:00Z', 60_000));
    clock.nowMs += 2 * 86_400_000;
    gitlab.requests.length = 0;
    const { promise, progress } = run(clock);
    const history = await promise;
    expect(history.jobs).toHaveLength(255);
    expect(gitlab.requests.filter((r) => r.includes('/jobs'))).toHaveLength(1);
    expect(progress.at(-1)).toMatchObject({ cachedJobs: 250 });
  });

  it('stops paging at --since and spans from it to now', async () => {
    const since = Date.parse('2026-05-10T00:00:00Z');
    const history = await run(fakeClock(), { sinceMs: since }).promise;
    expect(history.jobs.every((j) => j.queuedAtMs >= since)).toBe(true);
    expect(history.jobs).toHaveLength(34);
    expect(gitlab.requests.filter((r) => r.includes('/jobs'))).toHaveLength(1);
    expect(history.spanStartMs).toBe(since);
    expect(history.spanMs).toBe(T0 - since);
  });

  it('imports every project of a group, following Link rel="next"', async () => {
    gitlab.linkPagination = true;
    const history = await run(fakeClock(), { project: undefined, group: 'group' }).promise;
    expect(history.jobs).toHaveLength(280);
    expect(new Set(history.jobs.map((j) => j.project))).toEqual(
      new Set(['group/app', 'group/sub/lib']),
    );
    expect(gitlab.requests[0]).toContain('/groups/group/projects?include_subgroups=true');
  });

  it('turns 401 into a user error that does not contain the token', async () => {
    const logger = new MemoryLogger();
    const err = await importGitlabHistory(
      { fetch: (url, init) => fetch(url, init), clock: fakeClock(), logger },
      { baseUrl: gitlab.url, token: 'wrong', project: 'group/app', cacheDir },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/read_api/);
    expect((err as Error).message).not.toContain('wrong');
    expect(JSON.stringify(logger.records)).not.toContain(TOKEN);
  });

  it('reports an unknown project as a user error', async () => {
    await expect(run(fakeClock(), { project: 'nope/nope' }).promise).rejects.toThrow(/not found/);
  });
});
