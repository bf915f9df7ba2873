import { S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3CacheUrls } from '../../cache/s3-cache-urls.js';
import { jobPayloadSchema, type JobPayload } from '../../gitlab/job-payload.js';
import { SystemClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { startS3Double, type S3Double } from '../../../test/support/s3-double.js';
import {
  dockerRunner,
  ensureTestImages,
  exposeToContainers,
  labelled,
  TEST_JOB_IMAGE,
  uniqueJobId,
  type ContainerRelay,
} from '../../../test/support/docker.js';
import type { CacheUrls } from '../executor.js';
import { runJob } from '../testing/executor-harness.js';
import { createGitRemote, startGitHttpServer, type GitRemote } from '../testing/git-fixture.js';
import { parseMultipart, startHttpDouble, type HttpDouble } from '../testing/http-double.js';
import { JOB_TOKEN, makeJob, makeTempDir, type JobSpec } from '../testing/job-fixture.js';
import { createDockerExecutor } from './docker-executor.js';

let tmp: { dir: string; remove: () => void };
let remote: GitRemote;
let git: HttpDouble;
let api: HttpDouble;
let s3: S3Double;
let s3Client: S3Client;
let relays: ContainerRelay[] = [];
let gitRelay: ContainerRelay;
let apiRelay: ContainerRelay;
let cacheUrls: CacheUrls;

const portOf = (url: string): number => Number(new URL(url).port);

beforeAll(async () => {
  await ensureTestImages();
  tmp = makeTempDir('spotrunner-docker-');
  remote = createGitRemote(tmp.dir);
  git = await startGitHttpServer(join(tmp.dir, 'remote'), 'gitlab-ci-token', JOB_TOKEN);
  api = await startHttpDouble((req, res) => {
    const ok = req.method === 'POST' && /\/api\/v4\/jobs\/\d+\/artifacts$/.test(req.url.pathname);
    res.writeHead(ok ? 201 : 404, { 'content-type': 'application/json' });
    res.end('{}');
  });
  s3 = await startS3Double();
  relays = await Promise.all([git, api].map((d) => exposeToContainers(portOf(d.url))));
  relays.push(await exposeToContainers(portOf(s3.endpoint)));
  [gitRelay, apiRelay] = relays as [ContainerRelay, ContainerRelay];
  s3Client = new S3Client({
    endpoint: relays[2]!.url,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  cacheUrls = createS3CacheUrls(
    { s3: s3Client, logger: new MemoryLogger() },
    {
      bucket: 'cache',
      path: '',
      shared: false,
      shortToken: 't9Wkyj-HG',
      projectId: 17,
      expiresInSec: 3600,
    },
  );
});

afterAll(async () => {
  s3Client?.destroy();
  await Promise.all(relays.map((r) => r.stop()));
  await Promise.all([git?.close(), api?.close(), s3?.stop()]);
  tmp?.remove();
});

function dockerJob(spec: JobSpec, extra: Record<string, unknown> = {}): JobPayload {
  const job = makeJob(spec);
  return jobPayloadSchema.parse({ ...job, image: { name: TEST_JOB_IMAGE }, ...extra });
}

function executor(): ReturnType<typeof createDockerExecutor> {
  return createDockerExecutor(
    { logger: new MemoryLogger(), clock: new SystemClock() },
    { killGraceMs: 2000, settleMs: 2000, version: '0.1.0-test', revision: 'abc123' },
  );
}

const WEB_SERVICE = {
  name: TEST_JOB_IMAGE,
  alias: 'web',
  command: [
    'sh',
    '-c',
    'mkdir -p /www && echo "svc greeting=$GREETING secret=${DEPLOY_SECRET:-none}" > /www/index.html && exec busybox httpd -f -p 8080 -h /www',
  ],
  ports: [{ number: 8080 }],
};

describe('docker executor running a real job', () => {
  it('clones the repository, reaches a service by alias, uploads artifacts and saves the cache', async () => {
    const id = uniqueJobId();
    const job = dockerJob(
      {
        id,
        repoUrl: `http://gitlab-ci-token:${JOB_TOKEN}@${gitRelay.host}:${gitRelay.port}/acme/widget.git`,
        sha: remote.shas.at(-1)!,
        refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
        variables: [
          { key: 'GIT_STRATEGY', value: 'clone' },
          { key: 'GREETING', value: 'hello-from-variable' },
          { key: 'DEPLOY_SECRET', value: 's3cr3t-deploy-value', masked: true },
        ],
        script: [
          'pwd && ls file1.txt file3.txt',
          'echo "greeting=$GREETING"',
          'test "${#DEPLOY_SECRET}" = 19 && echo secret-ok',
          'curl -sSf http://web:8080/index.html',
          'mkdir -p out vendor && echo built > out/result.txt && echo dep > vendor/dep.txt',
        ],
        artifacts: [
          {
            name: 'out',
            paths: ['out/'],
            when: 'on_success',
            artifact_type: 'archive',
            artifact_format: 'zip',
          },
        ],
        cache: [{ key: 'deps', paths: ['vendor/'], policy: 'pull-push' }],
      },
      { services: [WEB_SERVICE] },
    );
    job.variables.find((v) => v.key === 'GREETING')!.public = true;

    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
      cache: cacheUrls,
      gitlabUrl: apiRelay.url,
    });

    expect(outcome, trace.plain).toEqual({ result: 'success', message: 'Job succeeded' });
    expect(trace.sectionNames()).toEqual([
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'restore_cache',
      'step_script',
      'archive_cache',
      'upload_artifacts_on_success',
    ]);
    expect(trace.plain).toContain('Preparing the "docker-autoscaler" executor');
    expect(trace.plain).toContain(`Using Docker executor with image ${TEST_JOB_IMAGE} ...`);
    expect(trace.plain).toContain('/builds/acme/widget\nfile1.txt\nfile3.txt');
    expect(trace.plain).toContain('greeting=hello-from-variable');
    expect(trace.plain).toContain('secret-ok');
    // The service sees the public variable, never the masked one.
    expect(trace.plain).toContain('svc greeting=hello-from-variable secret=none');
    expect(trace.text).not.toContain('s3cr3t-deploy-value');
    expect(trace.text).not.toContain(JOB_TOKEN);

    const upload = api.requests.find((r) => r.url.pathname === `/api/v4/jobs/${id}/artifacts`);
    expect(upload?.headers['job-token']).toBe(JOB_TOKEN);
    const parts = parseMultipart(upload!.body, upload!.headers['content-type']);
    expect(parts.find((p) => p.name === 'file')?.filename).toBe('out.zip');
    expect(s3.objects.get('cache/runner/t9Wkyj-HG/project/17/deps')?.body.length).toBeGreaterThan(
      0,
    );

    expect(await labelled(`spotrunner.job=${id}`)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it('restores the cache a previous job saved', async () => {
    const id = uniqueJobId();
    const job = dockerJob({
      id,
      script: ['cat vendor/dep.txt'],
      cache: [{ key: 'deps', paths: ['vendor/'], policy: 'pull' }],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      executor: executor(),
      runner: dockerRunner(),
      cache: cacheUrls,
    });
    expect(outcome.result, trace.plain).toBe('success');
    expect(trace.plain).toContain('Successfully extracted cache');
    expect(trace.plain).toMatch(/\$ cat vendor\/dep.txt\ndep\n/);
    expect(s3.requests.some((r) => r.method === 'GET' && r.status === 200)).toBe(true);
  });
});
