import { afterEach, describe, expect, it } from 'vitest';
import { startS3Double, type S3Double } from '../support/s3-double.js';
import { useE2e } from './use-e2e.js';

let s3: S3Double | undefined;
afterEach(async () => {
  await s3?.stop();
  s3 = undefined;
});
// Registered last, so it runs first: the manager stops before the S3 double does.
const e2e = useE2e();

const BUCKET = 'e2e-runner-cache';

/** gitlab-runner's short token of a created runner: 9 characters after `glrt-t1_`. */
const shortToken = (token: string): string => token.replace(/^glrt-(t[123]_)?/, '').slice(0, 9);

describe('the S3 cache', () => {
  it('is saved by the first pipeline and restored by the second from S3', async () => {
    s3 = await startS3Double();
    const h = await e2e.start({
      config: {
        // No shared local cache dir: each instance keeps its own, so only S3 links the runs.
        cacheDir: null,
        s3Cache: {
          serverAddress: new URL(s3.endpoint).host,
          accessKey: s3.accessKeyId,
          secretKey: s3.secretAccessKey,
          bucketName: BUCKET,
        },
      },
    });
    const project = await h.createProject('cache-reuse');

    const first = await h.runPipeline(project.id);
    expect(first.status).toBe('success');
    const firstTrace = h.trace(h.job(first, 'count').id);
    expect(firstTrace).toContain('cache run number 1');
    expect(firstTrace).toMatch(/Uploading cache\.zip \(\d+ bytes\)/);
    const objects = [...s3.objects.keys()];
    const prefix = `${BUCKET}/runner/${shortToken(h.runner.token)}/project/${project.id}/`;
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatch(new RegExp(`^${prefix}e2e-counter(-protected)?$`));
    const stored = s3.objects.get(objects[0]!)!;
    expect(stored.body.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(stored.body.includes(Buffer.from('.cache/runs'))).toBe(true);

    const second = await h.runPipeline(project.id);
    expect(second.status).toBe('success');
    const secondTrace = h.trace(h.job(second, 'count').id);
    expect(secondTrace).toMatch(/Checking cache for e2e-counter(-protected)?\.\.\./);
    expect(secondTrace).toContain('Successfully extracted cache');
    expect(secondTrace).toContain('cache run number 2');
    const objectPath = `/${objects[0]!}`;
    const gets = s3.requests.filter((r) => r.method === 'GET' && r.path === objectPath);
    expect(gets.map((r) => r.status)).toEqual([404, 200]);
    const puts = s3.requests.filter((r) => r.method === 'PUT' && r.path === objectPath);
    expect(puts.map((r) => r.status)).toEqual([200, 200]);
  });
});
