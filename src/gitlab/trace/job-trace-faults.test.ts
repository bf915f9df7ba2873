import { afterEach, describe, expect, it } from 'vitest';
import { crc32, formatChecksum } from './crc32.js';
import { patchBodies, traceHarness, type TraceHarness } from '../testing/trace-harness.js';
import type { Reply } from '../testing/http-double.js';

let h: TraceHarness | undefined;
afterEach(async () => {
  await h?.gitlab.close();
  h = undefined;
});

const outage = (t: TraceHarness, mode: Reply | 'drop' | 'hang', untilMs: number): void => {
  t.gitlab.intercept = () => (t.clock.now() < untilMs ? mode : undefined);
};

/** Writes a numbered line every second for `seconds` of virtual time. */
async function produce(
  t: TraceHarness,
  from: number,
  seconds: number,
  written: string[],
): Promise<void> {
  for (let i = from; i < from + seconds; i++) {
    const line = `line ${i} ${'x'.repeat(i % 13)}\n`;
    written.push(line);
    t.trace.write(line);
    await t.pass(1000);
  }
}

describe('JobTrace when GitLab fails mid-job', () => {
  it('delivers every byte and the final state once after 502s and a dead server', async () => {
    h = await traceHarness();
    h.trace.start();
    const written: string[] = [];
    await produce(h, 0, 20, written);
    outage(h, { status: 502, body: 'Bad Gateway' }, h.clock.now() + 120_000);
    await produce(h, 20, 60, written);
    outage(h, 'drop', h.clock.now() + 180_000);
    await produce(h, 80, 60, written);
    expect(h.trace.aborted.aborted).toBe(false); // a dead GitLab is not a canceled job
    await produce(h, 140, 200, written);
    const result = await h.run(h.trace.finish({ result: 'success' }));
    const all = written.join('');
    expect(result).toMatchObject({ kind: 'delivered' });
    expect(h.job.trace.toString()).toBe(all);
    expect(h.job.finals).toEqual([
      { state: 'success', checksum: formatChecksum(crc32(all)), bytesize: Buffer.byteLength(all) },
    ]);
  });

  it('times out requests GitLab never answers and delivers everything afterwards', async () => {
    h = await traceHarness({}, { requestTimeoutMs: 200 });
    h.trace.start();
    const written: string[] = [];
    await produce(h, 0, 5, written);
    outage(h, 'hang', h.clock.now() + 15_000);
    await produce(h, 5, 20, written);
    const result = await h.run(h.trace.finish({ result: 'success' }));
    expect(result).toMatchObject({ kind: 'delivered' });
    expect(h.job.trace.toString()).toBe(written.join(''));
    expect(
      h.logger.records.some((r) => String(r.fields.err).includes('aborted due to timeout')),
    ).toBe(true);
  });

  it('keeps retrying the final update while GitLab is down, then delivers', async () => {
    h = await traceHarness();
    h.trace.start();
    const written: string[] = [];
    await produce(h, 0, 5, written);
    outage(h, 'drop', h.clock.now() + 10 * 60_000);
    await produce(h, 5, 5, written);
    const start = h.clock.now();
    const result = await h.run(
      h.trace.finish({ result: 'failed', failureReason: 'script_failure', exitCode: 3 }),
    );
    expect(result).toMatchObject({ kind: 'delivered' });
    const waited = h.clock.now() - start;
    expect(waited).toBeGreaterThanOrEqual(10 * 60_000 - 10_000);
    expect(waited).toBeLessThanOrEqual(11 * 60_000); // retried at least every minute
    expect(h.job.trace.toString()).toBe(written.join(''));
    expect(h.job.finals).toHaveLength(1);
    expect(h.job.finals[0]).toMatchObject({ state: 'failed', failureReason: 'script_failure' });
    expect(h.trace.aborted.aborted).toBe(false); // 200 + Job-Status: failed is our own state
    const final = h.job.updates.at(-1)!;
    expect(final.exit_code).toBe(3);
  });

  it('treats an already-applied final state as done when the answer was lost', async () => {
    h = await traceHarness();
    h.trace.write('done\n');
    let dropped = false;
    h.gitlab.intercept = (req) => {
      if (req.method !== 'PUT' || dropped) return undefined;
      dropped = true;
      // GitLab applies the state, but the answer never arrives.
      h!.job.finals.push({ state: 'success' });
      h!.job.status = 'success';
      return 'drop';
    };
    const result = await h.run(h.trace.finish({ result: 'success' }));
    expect(result).toMatchObject({ kind: 'aborted', remoteStatus: 'success' });
    expect(h.job.finals).toHaveLength(1);
  });

  it('gives up after the configured number of rejected rounds, backing off exponentially', async () => {
    h = await traceHarness({ finalUpdateAttempts: 3 });
    h.trace.write('x');
    const seen: number[] = [];
    h.gitlab.intercept = (req) => {
      if (req.method !== 'PUT') return undefined;
      seen.push(h!.clock.now());
      return { status: 409, body: { message: 'conflict' } };
    };
    const result = await h.run(h.trace.finish({ result: 'success' }));
    expect(result).toEqual({
      kind: 'gave-up',
      rounds: 3,
      lastError: 'HTTP 409: conflict',
      retryable: false,
    });
    expect(seen.slice(1).map((t, i) => t - seen[i]!)).toEqual([750, 1500]);
  });

  it('gives up when GitLab stays unreachable longer than allowed', async () => {
    h = await traceHarness({ finalUpdateMaxUnavailableMs: 15 * 60_000 });
    h.trace.write('x');
    outage(h, 'drop', Number.POSITIVE_INFINITY);
    const start = h.clock.now();
    const result = await h.run(h.trace.finish({ result: 'success' }));
    expect(result).toMatchObject({ kind: 'gave-up', retryable: true });
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(15 * 60_000);
    expect(h.clock.now() - start).toBeLessThan(17 * 60_000);
  });
});

describe('JobTrace with large logs', () => {
  it('spills to disk, patches in 1 MiB chunks and delivers everything', async () => {
    h = await traceHarness({ memoryLimitBytes: 256 * 1024, outputLimitBytes: 64 * 1024 * 1024 });
    h.trace.start();
    const line = `${'0123456789abcdef'.repeat(8)}\n`;
    let all = '';
    for (let i = 0; i < 3; i++) {
      const block = `${i}`.padStart(6, '0') + line.repeat(8000);
      all += block;
      h.trace.write(block);
      await h.pass(3000);
    }
    const result = await h.run(h.trace.finish({ result: 'success' }));
    expect(result).toMatchObject({ kind: 'delivered' });
    expect(h.job.trace.length).toBe(Buffer.byteLength(all));
    expect(h.job.trace.toString() === all).toBe(true);
    expect(Math.max(...patchBodies(h.gitlab).map((b) => b.length))).toBeLessThanOrEqual(
      1024 * 1024,
    );
    expect(h.job.finals[0]!.checksum).toBe(formatChecksum(crc32(all)));
  });
});
