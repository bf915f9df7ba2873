import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../platform/random.js';
import { crc32, formatChecksum } from './crc32.js';
import { outputLimitMessage } from './trace-buffer.js';
import {
  JOB_TOKEN,
  patchBodies,
  putStates,
  SECRET,
  traceHarness,
  type TraceHarness,
} from '../testing/trace-harness.js';

let h: TraceHarness | undefined;
afterEach(async () => {
  await h?.gitlab.close();
  h = undefined;
});

const finish = (
  t: TraceHarness,
  result: 'success' | 'failed' = 'success',
  failureReason?: string,
) => t.run(t.trace.finish({ result, ...(failureReason ? { failureReason } : {}) }));

describe('JobTrace streaming', () => {
  it('sends output on the update interval and delivers the final state once', async () => {
    h = await traceHarness();
    h.trace.start();
    h.trace.write('line one\n');
    await h.pass(3000);
    expect(h.job.trace.toString()).toBe('line one\n');
    h.trace.write(Buffer.from('line two\n'));
    await h.pass(3000);
    expect(h.job.trace.toString()).toBe('line one\nline two\n');
    const result = await finish(h);
    expect(result).toEqual({ kind: 'delivered', rounds: 1 });
    expect(h.job.finals).toEqual([
      {
        state: 'success',
        checksum: formatChecksum(crc32(h.job.trace)),
        bytesize: h.job.trace.length,
      },
    ]);
    expect(patchBodies(h.gitlab).map((b) => b.toString())).toEqual(['line one\n', 'line two\n']);
  });

  it('honours the interval GitLab asks for', async () => {
    h = await traceHarness();
    h.gitlab.traceIntervalSeconds = 10;
    h.trace.start();
    h.trace.write('a');
    await h.pass(3000); // first patch at the default 3 s, answer sets 10 s
    h.trace.write('b');
    await h.pass(9000);
    expect(h.job.trace.toString()).toBe('a');
    await h.pass(1000);
    expect(h.job.trace.toString()).toBe('ab');
  });

  it('masks secrets and tokens, including a secret split across writes sent in separate ticks', async () => {
    h = await traceHarness({ tokenPrefixes: ['acme_'] });
    h.trace.start();
    h.trace.write(
      `token ${JOB_TOKEN} pat glpat-abcdefABCDEF12 custom acme_XYZ\npassword: ${SECRET.slice(0, 7)}`,
    );
    await h.pass(3000);
    h.trace.write(`${SECRET.slice(7)} done\n`);
    await h.pass(3000);
    await finish(h);
    const bodies = patchBodies(h.gitlab).map((b) => b.toString());
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toBe('token [MASKED] pat glpat-[MASKED] custom acme_[MASKED]\npassword: ');
    expect(bodies[1]).toBe('[MASKED] done\n');
  });

  it('never lets a secret leave in any chunk sequence (random writes and ticks)', async () => {
    h = await traceHarness();
    h.trace.start();
    const rnd = new SeededRandom(7);
    const text =
      `begin ${SECRET} x ${SECRET}${SECRET} glpat-ZZZZZZZZ9999 ${JOB_TOKEN} end\n`.repeat(20);
    for (let i = 0; i < text.length;) {
      const n = rnd.int(1, 12);
      h.trace.write(text.slice(i, i + n));
      i += n;
      if (rnd.next() < 0.3) await h.pass(3000);
    }
    await finish(h);
    const sent = Buffer.concat(patchBodies(h.gitlab)).toString();
    expect(sent).toBe(h.job.trace.toString());
    for (const secret of [SECRET, JOB_TOKEN, 'ZZZZZZZZ9999']) expect(sent).not.toContain(secret);
    expect(sent.split('[MASKED]')).toHaveLength(1 + 20 * 5);
  });
});

describe('JobTrace log markup', () => {
  it('writes section markers with the clock time and a bold cyan header', async () => {
    h = await traceHarness();
    const t = Math.floor(h.clock.now() / 1000);
    await h.trace.section('prepare_executor', 'Preparing the "instance" executor', async () => {
      h!.trace.info('Using instance executor');
    });
    h.trace.warn('low disk');
    h.trace.error('oops');
    await finish(h);
    expect(h.job.trace.toString()).toBe(
      `section_start:${t}:prepare_executor\r\x1b[0K\x1b[36;1mPreparing the "instance" executor\x1b[0;m\n` +
        '\x1b[32;1mUsing instance executor\x1b[0;m\n' +
        `section_end:${t}:prepare_executor\r\x1b[0K` +
        '\x1b[0;33mWARNING: low disk\x1b[0;m\n\x1b[31;1mERROR: oops\x1b[0;m\n',
    );
  });

  it('writes headers but no markers when the job does not render sections', async () => {
    h = await traceHarness({ traceSections: false });
    h.trace.sectionStart('step_script', 'Executing "step_script" stage', { collapsed: true });
    h.trace.sectionEnd('step_script');
    await finish(h);
    expect(h.job.trace.toString()).toBe('\x1b[36;1mExecuting "step_script" stage\x1b[0;m\n');
  });

  it('stops collecting at output_limit with the exact notice, and reports matching checksum', async () => {
    h = await traceHarness({ outputLimitBytes: 16 });
    h.trace.start();
    h.trace.write('0123456789');
    h.trace.write('abcdefghij');
    h.trace.write('more that is dropped');
    await finish(h);
    expect(h.job.trace.toString()).toBe('0123456789abcdef' + outputLimitMessage(16));
    expect(h.job.finals[0]).toMatchObject({
      checksum: formatChecksum(crc32(h.job.trace)),
      bytesize: h.job.trace.length,
    });
  });
});

describe('JobTrace signals and keep-alive', () => {
  it('touches the job with PUT state=running after 30 s without output', async () => {
    h = await traceHarness();
    h.trace.start();
    h.trace.write('x');
    await h.pass(3000);
    await h.pass(27_000);
    expect(putStates(h.gitlab)).toEqual([]);
    await h.pass(6000);
    expect(putStates(h.gitlab)).toEqual(['running']);
    const touch = h.gitlab.http.requests.find((r) => r.method === 'PUT')!.json as {
      output: unknown;
    };
    expect(touch.output).toEqual({ checksum: formatChecksum(crc32('x')), bytesize: 1 });
  });

  it('raises cancelRequested on Job-Status canceling and keeps streaming', async () => {
    h = await traceHarness();
    h.trace.start();
    h.job.status = 'canceling';
    h.trace.write('still running after_script\n');
    await h.pass(3000);
    expect(h.trace.cancelRequested.aborted).toBe(true);
    expect(h.trace.aborted.aborted).toBe(false);
    await finish(h, 'failed', 'job_canceled');
    expect(h.job.finals[0]).toMatchObject({ state: 'failed', failureReason: 'unknown_failure' });
    expect(h.job.status).toBe('canceled');
  });

  it('raises aborted on 403 and sends no final update', async () => {
    h = await traceHarness();
    h.trace.start();
    h.job.status = 'canceled';
    h.trace.write('x');
    await h.pass(3000);
    expect(h.trace.aborted.aborted).toBe(true);
    await h.pass(60_000);
    expect(patchBodies(h.gitlab)).toHaveLength(1);
    expect(await finish(h)).toEqual({ kind: 'skipped', reason: 'job aborted by GitLab' });
    expect(putStates(h.gitlab)).toEqual([]);
  });

  it('maps failure reasons the instance does not know', async () => {
    h = await traceHarness();
    await finish(h, 'failed', 'image_pull_failure');
    expect(h.job.finals[0]).toMatchObject({
      state: 'failed',
      failureReason: 'runner_system_failure',
    });
  });
});

describe('JobTrace recovery', () => {
  it('resends from the server length after a 416 (lost live trace)', async () => {
    h = await traceHarness();
    h.trace.start();
    h.trace.write('first part\n');
    await h.pass(3000);
    h.job.trace = Buffer.alloc(0); // GitLab lost its live trace chunks
    h.trace.write('second part\n');
    await h.pass(3000);
    await h.pass(3000);
    await finish(h);
    expect(h.job.trace.toString()).toBe('first part\nsecond part\n');
    expect(
      h.gitlab.http.requests
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.headers['content-range']),
    ).toEqual(['0-10', '11-22', '0-22']);
  });

  it('waits and asks again while the final update answers 202', async () => {
    h = await traceHarness();
    h.job.accept202 = 2;
    h.trace.write('done\n');
    const start = h.clock.now();
    expect(await finish(h)).toEqual({ kind: 'delivered', rounds: 1 });
    expect(putStates(h.gitlab)).toEqual(['success', 'success', 'success']);
    expect(h.clock.now() - start).toBe(4000); // X-GitLab-Trace-Update-Interval: 2, twice
    expect(h.job.finals).toHaveLength(1);
  });

  it('resends the whole trace after 412 on the final update', async () => {
    h = await traceHarness();
    let rejected = false;
    h.gitlab.intercept = (req) => {
      if (req.method !== 'PUT' || rejected) return undefined;
      rejected = true;
      h!.job.trace = Buffer.alloc(0);
      return { status: 412 };
    };
    h.trace.write('all of it\n');
    expect(await finish(h)).toMatchObject({ kind: 'delivered' });
    expect(h.job.trace.toString()).toBe('all of it\n');
    expect(
      h.gitlab.http.requests.map((r) => `${r.method} ${String(r.headers['content-range'] ?? '')}`),
    ).toEqual(['PATCH 0-9', 'PUT ', 'PATCH 0-9', 'PUT ']);
  });
});
