import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { readCsvHistory } from './read-csv-history.js';

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

function read(text: string) {
  return readCsvHistory(linesOf(text), { file: 'jobs.csv' });
}

describe('readCsvHistory', () => {
  it('reads the queued_at,duration_s,tags,project contract', async () => {
    const { jobs, skipped } = await read(
      'queued_at,duration_s,tags,project\n' +
        '2026-05-02T10:00:00Z,90,docker;arm64,group/app\n' +
        '2026-05-02T10:00:05Z,12.5,,group/lib\n',
    );
    expect(skipped).toBe(0);
    expect(jobs).toEqual([
      {
        queuedAtMs: Date.parse('2026-05-02T10:00:00Z'),
        durationMs: 90_000,
        tags: ['docker', 'arm64'],
        project: 'group/app',
      },
      {
        queuedAtMs: Date.parse('2026-05-02T10:00:05Z'),
        durationMs: 12_500,
        tags: [],
        project: 'group/lib',
      },
    ]);
  });

  it('accepts the contract columns in any order, with CRLF, a BOM and extra columns', async () => {
    const { jobs } = await read(
      '\uFEFFproject,tags,duration_s,queued_at,name,cpu_request\r\n' +
        'g/app,docker,60,2026-05-02 10:00:00,lint,2\r\n',
    );
    expect(jobs[0]).toMatchObject({
      queuedAtMs: Date.parse('2026-05-02T10:00:00Z'),
      durationMs: 60_000,
      project: 'g/app',
      name: 'lint',
      cpuRequest: 2,
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', async () => {
    const { jobs } = await read(
      'queued_at,duration_s,tags,project,name\n' +
        '2026-05-02T10:00:00Z,1,"a,b","g/""x""","two\nlines"\n' +
        '2026-05-02T10:00:01Z,2,c,g/y,ok\n',
    );
    expect(jobs.map((j) => [j.tags, j.project, j.name])).toEqual([
      [['a', 'b'], 'g/"x"', 'two\nlines'],
      [['c'], 'g/y', 'ok'],
    ]);
  });

  it('derives the queue time from started_at minus queued_duration in GitLab exports', async () => {
    const { jobs, skipped } = await read(
      'id,status,created_at,started_at,finished_at,duration,queued_duration,tag_list,project_path\n' +
        '1,success,2026-05-02T09:00:00Z,2026-05-02T10:00:30Z,2026-05-02T10:02:30Z,120.4,30,docker,g/app\n' +
        '2,manual,2026-05-02T09:00:00Z,,,,,docker,g/app\n' +
        '3,failed,2026-05-02T09:00:00Z,2026-05-02T10:00:00Z,2026-05-02T10:01:00Z,,,docker,g/app\n',
    );
    expect(skipped).toBe(1);
    expect(jobs[0]).toMatchObject({
      queuedAtMs: Date.parse('2026-05-02T10:00:00Z'),
      startedAtMs: Date.parse('2026-05-02T10:00:30Z'),
      durationMs: 120_400,
      status: 'success',
      project: 'g/app',
    });
    expect(jobs[1]).toMatchObject({
      durationMs: 60_000,
      queuedAtMs: Date.parse('2026-05-02T09:00:00Z'),
    });
  });

  it('names the file and line of a malformed time', async () => {
    await expect(
      read('queued_at,duration_s,tags,project\n2026-05-02T10:00:00Z,1,,g\n\nyesterday,5,,g\n'),
    ).rejects.toThrow(/^jobs\.csv:4: queued_at: "yesterday" is not an ISO-8601 time/);
  });

  it('names the line of a negative duration and of a row with too few fields', async () => {
    await expect(
      read('queued_at,duration_s,tags,project\n2026-05-02T10:00:00Z,-3,,g\n'),
    ).rejects.toThrow('jobs.csv:2: duration: -3 is negative');
    await expect(
      read('queued_at,duration_s,tags,project\n2026-05-02T10:00:00Z,3\n'),
    ).rejects.toThrow(/jobs\.csv:2: expected 4 fields/);
  });

  it('rejects a header without a queue time or duration as a user error', async () => {
    const err = await read('when,how_long\n2026-05-02T10:00:00Z,3\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^jobs\.csv:1: CSV header must be queued_at,duration_s,tags,project/,
    );
  });

  it('reports an unterminated quote with the line where the record began', async () => {
    await expect(
      read('queued_at,duration_s,tags,project\n2026-05-02T10:00:00Z,1,"docker,g\nmore\n'),
    ).rejects.toThrow('jobs.csv:2: unterminated quoted field');
  });

  it('rejects an empty file', async () => {
    await expect(read('')).rejects.toThrow('jobs.csv: empty file');
  });
});
