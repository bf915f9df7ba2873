import { describe, expect, it } from 'vitest';
import { readJsonHistory } from './read-json-history.js';

async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** A job as GitLab's `GET /projects/:id/jobs` returns it (fields trimmed to the ones that matter). */
function gitlabJob(id: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    status: 'success',
    stage: 'test',
    name: `job-${id}`,
    ref: 'main',
    tag: false,
    coverage: null,
    allow_failure: false,
    created_at: '2026-05-02T09:59:00.000Z',
    started_at: '2026-05-02T10:00:10.000Z',
    finished_at: '2026-05-02T10:01:10.000Z',
    erased_at: null,
    duration: 60.2,
    queued_duration: 10.0,
    user: { id: 1, username: 'dev' },
    commit: { id: 'abc', short_id: 'abc', title: 'x' },
    pipeline: { id: 99, project_id: 42, ref: 'main', sha: 'abc', status: 'success' },
    web_url: 'https://gitlab.example.com/g/app/-/jobs/1',
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: null,
    tag_list: ['docker', 'arm64'],
    ...over,
  };
}

describe('readJsonHistory', () => {
  it('reads an array of GitLab job objects split across arbitrary chunks', async () => {
    const text = JSON.stringify(
      [gitlabJob(1), gitlabJob(2, { name: 'brace } in "name" {' })],
      null,
      2,
    );
    for (const size of [1, 7, 1 << 16]) {
      const { jobs } = await readJsonHistory(chunksOf(text, size), {
        file: 'jobs.json',
        project: 'g/app',
      });
      expect(jobs).toHaveLength(2);
      expect(jobs[0]).toEqual({
        queuedAtMs: Date.parse('2026-05-02T10:00:00Z'),
        startedAtMs: Date.parse('2026-05-02T10:00:10Z'),
        durationMs: 60_200,
        tags: ['docker', 'arm64'],
        project: 'g/app',
        name: 'job-1',
        status: 'success',
      });
      expect(jobs[1]!.name).toBe('brace } in "name" {');
    }
  });

  it('uses pipeline.project_id when no project is known', async () => {
    const { jobs } = await readJsonHistory(chunksOf(JSON.stringify([gitlabJob(1)]), 100), {
      file: 'j.json',
    });
    expect(jobs[0]!.project).toBe('42');
  });

  it('reads JSON Lines and skips jobs that never ran', async () => {
    const text = [
      gitlabJob(1),
      gitlabJob(2, { status: 'skipped', started_at: null, finished_at: null, duration: null }),
      gitlabJob(3, { status: 'canceled', started_at: null, finished_at: null, duration: null }),
    ]
      .map((j) => JSON.stringify(j))
      .join('\n');
    const result = await readJsonHistory(chunksOf(text, 50), { file: 'j.jsonl' });
    expect(result.jobs.map((j) => j.name)).toEqual(['job-1']);
    expect(result.skipped).toBe(2);
  });

  it('names the line where a bad object starts', async () => {
    const text = `[\n${JSON.stringify(gitlabJob(1))},\n${JSON.stringify(gitlabJob(2, { started_at: 'soon', queued_duration: null }))}\n]`;
    await expect(readJsonHistory(chunksOf(text, 13), { file: 'j.json' })).rejects.toThrow(
      'j.json:3: started_at: "soon" is not an ISO-8601 time',
    );
  });

  it('reports invalid JSON and stray text with their lines', async () => {
    await expect(readJsonHistory(chunksOf('{"a": }\n', 4), { file: 'j.json' })).rejects.toThrow(
      /^j\.json:1: invalid JSON/,
    );
    await expect(readJsonHistory(chunksOf('\n\nnull\n', 4), { file: 'j.json' })).rejects.toThrow(
      'j.json:3: unexpected "n" between job objects',
    );
    await expect(readJsonHistory(chunksOf('[{"a": 1}', 4), { file: 'j.json' })).rejects.toThrow(
      /^j\.json:1: no duration/,
    );
  });
});
