import { afterEach, describe, expect, it } from 'vitest';
import { clientHarness } from '../testing/client-harness.js';
import { startHttpDouble, type HttpDouble, type Reply } from '../testing/http-double.js';
import { MAX_TRACE_PATCH_BYTES } from './job-updates.js';

const JOB = { id: 77, token: 'glcbt-ab_jobTOKEN0000000000' };

let server: HttpDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function answering(reply: Reply) {
  server = await startHttpDouble(() => reply);
  return clientHarness(server.url);
}

describe('updateJob', () => {
  it('sends token, state, reason, exit code, checksum and size', async () => {
    const h = await answering({ status: 200, body: '200' });
    const r = await h.run(
      h.client.updateJob(JOB, {
        state: 'failed',
        failureReason: 'script_failure',
        exitCode: 2,
        checksum: 'crc32:0000abcd',
        bytesize: 10,
      }),
    );
    expect(r).toMatchObject({ kind: 'succeeded', status: 200, cancelRequested: false });
    const req = server!.requests[0]!;
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/api/v4/jobs/77');
    expect(req.headers['job-token']).toBe(JOB.token);
    expect(req.json).toMatchObject({
      token: JOB.token,
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 2,
      checksum: 'crc32:0000abcd',
      output: { checksum: 'crc32:0000abcd', bytesize: 10 },
      info: { name: 'spotrunner', version: '0.1.0' },
    });
  });

  it('omits exit_code 0 and failure_reason on success', async () => {
    const h = await answering({ status: 200, body: '200' });
    await h.run(h.client.updateJob(JOB, { state: 'success', exitCode: 0 }));
    const body = server!.requests[0]!.json as Record<string, unknown>;
    expect(body).not.toHaveProperty('exit_code');
    expect(body).not.toHaveProperty('failure_reason');
  });

  it.each<[string, Reply, Record<string, unknown>]>([
    ['403', { status: 403, body: { message: '403 Forbidden' } }, { kind: 'abort', status: 403 }],
    [
      'Job-Status canceled',
      { status: 200, headers: { 'Job-Status': 'canceled' } },
      { kind: 'abort', remoteStatus: 'canceled' },
    ],
    [
      'Job-Status failed',
      { status: 200, headers: { 'Job-Status': 'failed' } },
      { kind: 'abort', remoteStatus: 'failed' },
    ],
    [
      '200 canceling',
      { status: 200, headers: { 'Job-Status': 'canceling' } },
      { kind: 'succeeded', cancelRequested: true },
    ],
    [
      '202',
      { status: 202, headers: { 'X-GitLab-Trace-Update-Interval': '4' } },
      { kind: 'accepted', updateIntervalMs: 4000 },
    ],
    ['412', { status: 412 }, { kind: 'trace-validation-failed' }],
    ['404', { status: 404 }, { kind: 'abort', status: 404 }],
    [
      '409',
      { status: 409, body: { message: 'conflict' } },
      { kind: 'failed', status: 409, message: 'conflict' },
    ],
    ['400', { status: 400 }, { kind: 'failed', status: 400 }],
    ['502 after retries', { status: 502 }, { kind: 'failed', status: 502 }],
    [
      'huge interval',
      { status: 200, headers: { 'X-GitLab-Trace-Update-Interval': '99999' } },
      { updateIntervalMs: 900_000 },
    ],
  ])('maps %s', async (_name, reply, expected) => {
    const h = await answering(reply);
    expect(await h.run(h.client.updateJob(JOB, { state: 'running' }))).toMatchObject(expected);
  });

  it('does not warn when GitLab answers our own failed state with Job-Status failed', async () => {
    const h = await answering({ status: 200, headers: { 'Job-Status': 'failed' } });
    const final = await h.run(h.client.updateJob(JOB, { state: 'failed' }));
    expect(final).toMatchObject({ kind: 'abort', status: 200, remoteStatus: 'failed' });
    expect(h.logger.messages('warn')).toEqual([]);
    await h.run(h.client.updateJob(JOB, { state: 'running' }));
    expect(h.logger.messages('warn')).toEqual(['job update aborted by gitlab']);
  });

  it('reports a transport error as a failure marked transportError, never as an abort', async () => {
    const h = await answering({ status: 200 });
    server!.handler = () => 'drop';
    expect(await h.run(h.client.updateJob(JOB, { state: 'running' }))).toMatchObject({
      kind: 'failed',
      transportError: true,
    });
  });
});

describe('patchTrace', () => {
  it('sends an inclusive Content-Range with text/plain', async () => {
    const h = await answering({
      status: 202,
      headers: { 'Job-Status': 'running', Range: '0-15', 'X-GitLab-Trace-Update-Interval': '60' },
    });
    const r = await h.run(h.client.patchTrace(JOB, Buffer.from('0123456789'), 5));
    expect(r).toEqual({
      kind: 'ok',
      sentOffset: 15,
      cancelRequested: false,
      status: 202,
      remoteStatus: 'running',
      updateIntervalMs: 60_000,
    });
    const req = server!.requests[0]!;
    expect(req.method).toBe('PATCH');
    expect(req.path).toBe('/api/v4/jobs/77/trace');
    expect(req.query.get('debug_trace')).toBe('false');
    expect(req.headers['content-range']).toBe('5-14');
    expect(req.headers['content-type']).toBe('text/plain');
    expect(req.headers['job-token']).toBe(JOB.token);
    expect(req.body.toString()).toBe('0123456789');
  });

  it('sends at most 1 MiB per request', async () => {
    const h = await answering({ status: 202 });
    const r = await h.run(
      h.client.patchTrace(JOB, Buffer.alloc(MAX_TRACE_PATCH_BYTES + 10, 97), 0),
    );
    expect(r.sentOffset).toBe(MAX_TRACE_PATCH_BYTES);
    expect(server!.requests[0]!.body.length).toBe(MAX_TRACE_PATCH_BYTES);
    expect(server!.requests[0]!.headers['content-range']).toBe(`0-${MAX_TRACE_PATCH_BYTES - 1}`);
  });

  it('does not send an empty patch', async () => {
    const h = await answering({ status: 202 });
    expect(await h.run(h.client.patchTrace(JOB, Buffer.alloc(0), 9))).toMatchObject({
      kind: 'ok',
      sentOffset: 9,
    });
    expect(server!.requests).toHaveLength(0);
  });

  it.each<[string, Reply, Record<string, unknown>]>([
    [
      '416 with Range',
      { status: 416, headers: { Range: '0-11' } },
      { kind: 'range-mismatch', sentOffset: 11 },
    ],
    [
      '416 after a lost trace',
      { status: 416, headers: { Range: '0-0' } },
      { kind: 'range-mismatch', sentOffset: 0 },
    ],
    ['416 without Range', { status: 416 }, { kind: 'failed', sentOffset: 20 }],
    ['403', { status: 403 }, { kind: 'abort' }],
    ['202 canceled', { status: 202, headers: { 'Job-Status': 'canceled' } }, { kind: 'abort' }],
    [
      '202 canceling',
      { status: 202, headers: { 'Job-Status': 'canceling' } },
      { kind: 'ok', cancelRequested: true },
    ],
    ['404', { status: 404 }, { kind: 'not-found', sentOffset: 20 }],
    ['409', { status: 409 }, { kind: 'failed', sentOffset: 20 }],
  ])('maps %s', async (_name, reply, expected) => {
    const h = await answering(reply);
    expect(await h.run(h.client.patchTrace(JOB, Buffer.from('abc'), 20))).toMatchObject(expected);
  });

  it('marks the first chunk of a debug trace', async () => {
    const h = await answering({ status: 202 });
    await h.run(h.client.patchTrace({ ...JOB, debugTrace: true }, Buffer.from('x'), 0));
    expect(server!.requests[0]!.query.get('debug_trace')).toBe('true');
  });

  it('reports a transport error as failed', async () => {
    const h = await answering({ status: 202 });
    server!.handler = () => 'drop';
    expect(await h.run(h.client.patchTrace(JOB, Buffer.from('x'), 0))).toMatchObject({
      kind: 'failed',
      sentOffset: 0,
    });
  });
});
