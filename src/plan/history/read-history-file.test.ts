import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { historySpan } from './job-record.js';
import { readHistoryFile } from './read-history-file.js';
import { formatHistoryCsv } from './write-history-csv.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-history-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readHistoryFile', () => {
  it('reads a CSV file, sorts by queue time and round-trips through the CSV writer', async () => {
    const path = join(dir, 'a.csv');
    await writeFile(
      path,
      'queued_at,duration_s,tags,project\n2026-05-02T11:00:00Z,30,docker,g/a\n2026-05-02T10:00:00Z,60,"x,y",g/b\n',
    );
    const h = await readHistoryFile(path);
    expect(h.source).toBe('a.csv');
    expect(h.jobs.map((j) => j.project)).toEqual(['g/b', 'g/a']);
    const again = join(dir, 'b.csv');
    await writeFile(again, [...formatHistoryCsv(h.jobs)].join(''));
    expect((await readHistoryFile(again)).jobs).toEqual(h.jobs);
  });

  it('sniffs JSON content in a file without a known extension', async () => {
    const path = join(dir, 'export.txt');
    await writeFile(
      path,
      '  [{"queued_at":"2026-05-02T10:00:00Z","duration_s":5,"tags":"a;b","project":"g"}]',
    );
    const h = await readHistoryFile(path);
    expect(h.jobs[0]).toMatchObject({ durationMs: 5000, tags: ['a', 'b'] });
  });

  it('turns a missing file into a user error naming it', async () => {
    const err = await readHistoryFile(join(dir, 'nope.csv')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain('nope.csv: cannot read history');
  });
});

describe('historySpan', () => {
  it('covers whole UTC days from the first queue time to the last job end, nearly whole weeks as weeks', () => {
    const span = historySpan({
      source: 'x',
      skipped: 0,
      jobs: [
        {
          queuedAtMs: Date.parse('2026-05-04T08:00:00Z'),
          durationMs: 60_000,
          tags: [],
          project: 'p',
        },
        {
          queuedAtMs: Date.parse('2026-05-15T18:00:00Z'),
          durationMs: 7_200_000,
          tags: [],
          project: 'p',
        },
      ],
    });
    expect(span).toEqual({ startMs: Date.parse('2026-05-04T00:00:00Z'), spanMs: 14 * 86_400_000 });
  });

  it('keeps spans that are not nearly whole weeks as whole days', () => {
    const at = (iso: string) => ({
      queuedAtMs: Date.parse(iso),
      durationMs: 60_000,
      tags: [],
      project: 'p',
    });
    const span = (a: string, b: string) =>
      historySpan({ source: 'x', skipped: 0, jobs: [at(a), at(b)] }).spanMs / 86_400_000;
    expect(span('2026-05-04T08:00:00Z', '2026-05-04T09:00:00Z')).toBe(1);
    expect(span('2026-05-04T08:00:00Z', '2026-05-06T09:00:00Z')).toBe(3);
    expect(span('2026-05-04T08:00:00Z', '2026-05-18T09:00:00Z')).toBe(15);
    expect(span('2026-05-04T08:00:00Z', '2026-05-08T09:00:00Z')).toBe(7);
  });

  it('prefers the span the source declares', () => {
    expect(historySpan({ source: 's', skipped: 0, jobs: [], spanMs: 5, spanStartMs: 9 })).toEqual({
      startMs: 9,
      spanMs: 5,
    });
  });
});
