import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientHarness } from '../testing/client-harness.js';
import {
  startHttpDouble,
  type HttpDouble,
  type RecordedRequest,
  type Reply,
} from '../testing/http-double.js';
import { artifactFileName } from './artifact-upload.js';

const JOB = { id: 88, token: 'glcbt-ab_artifactTOKEN00000' };
const ZIP = Buffer.concat([
  Buffer.from('PK\x03\x04'),
  Buffer.alloc(3000, 7),
  Buffer.from([0, 255, 13, 10]),
]);

let servers: HttpDouble[] = [];
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'artifacts-test-'));
});
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

async function serve(...replies: (Reply | ((r: RecordedRequest) => Reply))[]) {
  const s = await startHttpDouble((req) => {
    const next = replies.length > 1 ? replies.shift()! : replies[0]!;
    return typeof next === 'function' ? next(req) : next;
  });
  servers.push(s);
  return s;
}

/** The `file` part of a multipart body: its filename and bytes. */
function filePart(req: RecordedRequest): { filename: string; content: Buffer } {
  const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))![1]!;
  const text = req.body.toString('latin1');
  const head =
    /Content-Disposition: form-data; name="file"; filename="([^"]*)"\r\n[^\r]*\r\n\r\n/.exec(text)!;
  const start = head.index + head[0].length;
  const end = text.indexOf(`\r\n--${boundary}--`, start);
  return { filename: head[1]!, content: req.body.subarray(start, end) };
}

describe('uploadArtifacts', () => {
  it('posts one multipart file field with format, type and expiry as query parameters', async () => {
    const s = await serve({ status: 201, body: '201' });
    const h = clientHarness(s.url);
    const r = await h.run(
      h.client.uploadArtifacts(JOB, {
        file: ZIP,
        name: 'coverage',
        format: 'zip',
        type: 'archive',
        expireIn: '7 days',
      }),
    );
    expect(r).toEqual({ kind: 'ok', attempts: 1 });
    const req = s.requests[0]!;
    expect(req.path).toBe('/api/v4/jobs/88/artifacts');
    expect(Object.fromEntries(req.query)).toEqual({
      expire_in: '7 days',
      artifact_format: 'zip',
      artifact_type: 'archive',
    });
    expect(req.headers['job-token']).toBe(JOB.token);
    expect(filePart(req)).toEqual({ filename: 'coverage.zip', content: ZIP });
  });

  it('uploads from a file path and from a stream', async () => {
    const s = await serve({ status: 201 });
    const h = clientHarness(s.url);
    const path = join(dir, 'a.zip');
    writeFileSync(path, ZIP);
    await h.run(h.client.uploadArtifacts(JOB, { file: path }));
    await h.run(
      h.client.uploadArtifacts(JOB, {
        file: Readable.from([ZIP.subarray(0, 10), ZIP.subarray(10)]),
        name: 'junit.xml',
        format: 'gzip',
        type: 'junit',
      }),
    );
    expect(filePart(s.requests[0]!)).toEqual({ filename: 'artifacts.zip', content: ZIP });
    expect(filePart(s.requests[1]!)).toEqual({ filename: 'junit.xml.gz', content: ZIP });
  });

  it('follows a 307 to the new origin and sends the whole file again', async () => {
    const target = await serve({ status: 201 });
    const front = await serve({
      status: 307,
      headers: { Location: `${target.url}/somewhere/else` },
    });
    const h = clientHarness(front.url);
    expect(await h.run(h.client.uploadArtifacts(JOB, { file: ZIP }))).toMatchObject({ kind: 'ok' });
    expect(target.requests[0]!.path).toBe('/api/v4/jobs/88/artifacts');
    expect(filePart(target.requests[0]!).content).toEqual(ZIP);
  });

  it.each([
    [413, 'too-large'],
    [403, 'forbidden'],
  ])('does not retry HTTP %i', async (status, kind) => {
    const s = await serve({ status, body: { message: 'no' } });
    const h = clientHarness(s.url);
    expect(await h.run(h.client.uploadArtifacts(JOB, { file: ZIP }))).toEqual({
      kind,
      message: 'no',
    });
    expect(s.requests).toHaveLength(1);
  });

  it.each([
    [503, 6],
    [500, 3],
    [400, 3],
  ])('tries HTTP %i %i times', async (status, tries) => {
    const s = await serve({ status });
    const h = clientHarness(s.url);
    expect(await h.run(h.client.uploadArtifacts(JOB, { file: ZIP }))).toMatchObject({
      kind: 'failed',
      status,
      attempts: tries,
    });
    expect(s.requests).toHaveLength(tries);
  });

  it('names upload files like gitlab-runner', () => {
    expect(artifactFileName(undefined, 'zip')).toBe('artifacts.zip');
    expect(artifactFileName('reports/junit.xml', 'gzip')).toBe('junit.xml.gz');
    expect(artifactFileName('gl-sast-report.json', 'raw')).toBe('gl-sast-report.json');
  });
});

describe('downloadArtifacts', () => {
  it('saves the archive sent with the job token', async () => {
    const s = await serve({
      status: 200,
      headers: { 'Content-Type': 'application/zip' },
      body: ZIP,
    });
    const h = clientHarness(s.url);
    const dest = join(dir, 'dep.zip');
    expect(await h.run(h.client.downloadArtifacts({ id: 40, token: JOB.token }, dest))).toEqual({
      kind: 'ok',
      bytes: ZIP.length,
    });
    expect(readFileSync(dest)).toEqual(ZIP);
    expect(s.requests[0]!.path).toBe('/api/v4/jobs/40/artifacts');
    expect(s.requests[0]!.headers['job-token']).toBe(JOB.token);
  });

  it('follows a redirect to object storage without leaking the job token', async () => {
    const store = await serve({ status: 200, body: ZIP });
    const gitlab = await serve((req) => ({
      status: 302,
      headers: { Location: `${store.url}/bucket/obj?sig=1` },
      body: req.query.get('direct_download') ?? '',
    }));
    const h = clientHarness(gitlab.url);
    const dest = join(dir, 'dep.zip');
    await h.run(
      h.client.downloadArtifacts({ id: 40, token: JOB.token }, dest, { directDownload: true }),
    );
    expect(gitlab.requests[0]!.query.get('direct_download')).toBe('true');
    expect(store.requests[0]!.path).toBe('/bucket/obj');
    expect(store.requests[0]!.headers['job-token']).toBeUndefined();
    expect(readFileSync(dest)).toEqual(ZIP);
  });

  it('reports a missing archive without retrying', async () => {
    const s = await serve({ status: 404 });
    const h = clientHarness(s.url);
    expect(
      await h.run(h.client.downloadArtifacts({ id: 40, token: JOB.token }, join(dir, 'x'))),
    ).toEqual({ kind: 'not-found' });
    expect(s.requests).toHaveLength(1);
  });

  it('reads the object store XML error on 403', async () => {
    const xml =
      '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
    const s = await serve({
      status: 403,
      headers: { 'Content-Type': 'application/xml' },
      body: xml,
    });
    const h = clientHarness(s.url);
    expect(
      await h.run(h.client.downloadArtifacts({ id: 40, token: JOB.token }, join(dir, 'x'))),
    ).toEqual({
      kind: 'forbidden',
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
    });
  });

  it('reports 401 as forbidden without retrying', async () => {
    const s = await serve({ status: 401, body: { message: '401 Unauthorized' } });
    const h = clientHarness(s.url);
    expect(
      await h.run(h.client.downloadArtifacts({ id: 40, token: JOB.token }, join(dir, 'x'))),
    ).toEqual({
      kind: 'forbidden',
      status: 401,
      message: '401 Unauthorized',
    });
    expect(s.requests).toHaveLength(1);
  });

  it('retries other failures twice, one second apart', async () => {
    const s = await serve({ status: 500 });
    const h = clientHarness(s.url);
    const start = h.clock.now();
    expect(
      await h.run(
        h.client.downloadArtifacts({ id: 40, token: JOB.token }, join(dir, 'x'), {
          directDownload: true,
        }),
      ),
    ).toMatchObject({
      kind: 'failed',
      status: 500,
      attempts: 3,
    });
    expect(h.clock.now() - start).toBe(2000);
    expect(s.requests.map((r) => r.query.get('direct_download'))).toEqual(['true', null, null]);
  });
});
