import { afterEach, describe, expect, it } from 'vitest';
import { parseJobPayload } from '../../gitlab/job-payload.js';
import {
  putJob,
  startHarness,
  takeJob,
  type Harness,
  type JobHandle,
} from '../testing/sandbox-harness.js';

const CI = `
build:
  stage: build
  script: echo build
  artifacts:
    paths: [out/]
test:
  stage: test
  script: echo test
other:
  stage: test
  needs: []
  script: echo other
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function upload(
  url: string,
  job: JobHandle,
  data: Buffer,
  query = 'artifact_type=archive&artifact_format=zip&expire_in=1+day',
): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([data]), 'artifacts.zip');
  return fetch(`${url}/api/v4/jobs/${job.id}/artifacts?${query}`, {
    method: 'POST',
    headers: { 'JOB-TOKEN': job.token },
    body: form,
  });
}

async function acceptedJob(h: Harness): Promise<JobHandle> {
  const job = await takeJob(h);
  await putJob(h.url, job.id, job.token, { state: 'running' });
  return job;
}

describe('artifacts', () => {
  it('stores an upload, is idempotent for the same content and refuses other content of the same type', async () => {
    h = await startHarness({ ci: CI });
    const build = await acceptedJob(h);
    const zip = Buffer.from('PK\u0003\u0004 fake zip');
    const first = await upload(h.url, build, zip);
    expect(first.status).toBe(201);
    expect(await first.text()).toBe('201');
    expect((await upload(h.url, build, zip)).status).toBe(201);
    const conflict = await upload(h.url, build, Buffer.from('different'));
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toEqual({
      message: '400 Bad request - another artifact of the same type already exists',
    });
    expect(h.server.job(build.id)?.artifacts).toMatchObject([
      { type: 'archive', format: 'zip', size: zip.length, expireIn: '1 day' },
    ]);
  });

  it('answers 413 over the size limit', async () => {
    h = await startHarness({ ci: CI, server: { artifactSizeLimitBytes: 100 } });
    const build = await acceptedJob(h);
    expect((await upload(h.url, build, Buffer.alloc(200))).status).toBe(413);
  });

  it('answers 403 to uploads after the job finished', async () => {
    h = await startHarness({ ci: CI });
    const build = await acceptedJob(h);
    await putJob(h.url, build.id, build.token, { state: 'success' });
    expect((await upload(h.url, build, Buffer.from('x'))).status).toBe(403);
  });

  it('lists the dependency with artifacts_file and serves it to the running job of the same pipeline', async () => {
    h = await startHarness({ ci: CI });
    const build = await acceptedJob(h);
    const zip = Buffer.from('PK\u0003\u0004 real enough');
    await upload(h.url, build, zip);
    await putJob(h.url, build.id, build.token, { state: 'success' });
    const jobs = [await acceptedJob(h), await acceptedJob(h)];
    const test = jobs.find((j) => (j.payload.job_info as { name: string }).name === 'test')!;
    const parsed = parseJobPayload(test.payload);
    expect(parsed.ok && parsed.job.dependencies).toEqual([
      {
        id: build.id,
        name: 'build',
        token: test.token,
        artifacts_file: { filename: 'artifacts.zip', size: zip.length },
      },
    ]);
    const res = await fetch(`${h.url}/api/v4/jobs/${build.id}/artifacts`, {
      headers: { 'JOB-TOKEN': test.token },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(zip);
  });

  it('refuses downloads without a token (401), with a finished job token (403), and 404 when nothing was uploaded', async () => {
    h = await startHarness({ ci: CI });
    const build = await acceptedJob(h);
    await upload(h.url, build, Buffer.from('zip'));
    expect((await fetch(`${h.url}/api/v4/jobs/${build.id}/artifacts`)).status).toBe(401);
    await putJob(h.url, build.id, build.token, { state: 'success' });
    const finished = await fetch(`${h.url}/api/v4/jobs/${build.id}/artifacts`, {
      headers: { 'JOB-TOKEN': build.token },
    });
    expect(finished.status).toBe(403);
    const next = await acceptedJob(h);
    const otherId = h.server
      .pipelines()[0]!
      .jobs.find((j) => j.name !== 'build' && j.id !== next.id)!.id;
    const missing = await fetch(`${h.url}/api/v4/jobs/${otherId}/artifacts`, {
      headers: { 'JOB-TOKEN': next.token },
    });
    expect(missing.status).toBe(404);
  });

  it('refuses a running job of another pipeline', async () => {
    h = await startHarness({ ci: CI });
    const build = await acceptedJob(h);
    await upload(h.url, build, Buffer.from('zip'));
    const second = await h.server.createPipeline(h.project.id);
    let foreign = await acceptedJob(h);
    while (h.server.job(foreign.id)?.pipelineId !== second.id) foreign = await acceptedJob(h);
    const res = await fetch(`${h.url}/api/v4/jobs/${build.id}/artifacts`, {
      headers: { 'JOB-TOKEN': foreign.token },
    });
    expect(res.status).toBe(403);
  });
});
