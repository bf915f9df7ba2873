import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import type { PatchTraceResult, RunnerApi } from '../runner-api.js';
import { crc32, formatChecksum } from './crc32.js';
import { openResumedLog } from './resumed-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** GitLab's append-only trace: 416 with its length for a patch at any other offset. */
function fakeGitLab(held: string) {
  let remote = Buffer.from(held);
  const patches: { offset: number; bytes: number }[] = [];
  const api = {
    patchTrace(_job: unknown, chunk: Buffer, offset: number): Promise<PatchTraceResult> {
      patches.push({ offset, bytes: chunk.length });
      if (offset !== remote.length) {
        return Promise.resolve({
          kind: 'range-mismatch',
          sentOffset: remote.length,
          status: 416,
          cancelRequested: false,
        });
      }
      remote = Buffer.concat([remote, chunk]);
      return Promise.resolve({
        kind: 'ok',
        sentOffset: remote.length,
        status: 202,
        cancelRequested: false,
      });
    },
  } as unknown as RunnerApi;
  return { api, patches, remote: () => remote.toString() };
}

function keptFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'spotrunner-resumed-'));
  dirs.push(dir);
  const file = join(dir, 'job.log');
  writeFileSync(file, text);
  return file;
}

const LOG = 'first line\nsecond line\nthird line\n';
const job = { id: 5, token: 'glcbt-64_t' };

describe('a log kept by an earlier run', () => {
  it('probes GitLab with one byte, then sends only what GitLab lacks', async () => {
    const gitlab = fakeGitLab(LOG.slice(0, 11));
    const deps = { clock: new VirtualClock(0), logger: new MemoryLogger(), api: gitlab.api };
    const log = openResumedLog(deps, job, keptFile(LOG))!;

    expect(await log.trace.flushAll()).toBe('done');

    expect(gitlab.remote()).toBe(LOG);
    expect(gitlab.patches).toEqual([
      { offset: 0, bytes: 1 },
      { offset: 11, bytes: LOG.length - 11 },
    ]);
    expect(log.trace.checksum).toBe(formatChecksum(crc32(LOG)));
    expect(log.trace.size).toBe(LOG.length);
    log.close();
  });

  it('appends a note to the file so the checksum covers it', async () => {
    const gitlab = fakeGitLab('');
    const deps = { clock: new VirtualClock(0), logger: new MemoryLogger(), api: gitlab.api };
    const file = keptFile(LOG);
    const log = openResumedLog(deps, job, file)!;
    log.append('the note\n');
    log.close();

    const again = openResumedLog(deps, job, file)!;
    expect(again.checksum).toBe(formatChecksum(crc32(`${LOG}the note\n`)));
    expect(await again.trace.flushAll()).toBe('done');
    expect(gitlab.remote()).toBe(`${LOG}the note\n`);
    again.close();
  });

  it('is undefined when no log was kept', () => {
    const deps = {
      clock: new VirtualClock(0),
      logger: new MemoryLogger(),
      api: fakeGitLab('').api,
    };
    expect(openResumedLog(deps, job, join(tmpdir(), 'spotrunner-no-such-log.log'))).toBe(undefined);
  });
});
