import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import {
  parseMultipart,
  startHttpDouble,
  type HttpDouble,
  type RecordedRequest,
} from '../testing/http-double.js';
import {
  JOB_TOKEN,
  makeJob,
  makeScriptContext,
  makeTempDir,
  type JobSpec,
} from '../testing/job-fixture.js';
import { runScript, stripAnsi } from '../testing/run-script.js';
import {
  artifactsToUpload,
  generateDownloadArtifactsScript,
  generateUploadArtifactsScript,
} from './artifact-stages.js';
import { generateGetSourcesScript } from './get-sources-stage.js';

let tmp: { dir: string; remove: () => void };
let conn: InstanceConnection;
let gitlab: HttpDouble;
let uploadStatus: number;
let fixtureZip: Buffer;

beforeEach(async () => {
  tmp = makeTempDir();
  conn = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
  uploadStatus = 201;
  fixtureZip = makeZip(tmp.dir, { 'dist/app.js': 'console.log(1)\n' });
  gitlab = await startHttpDouble((req, res) => {
    if (req.headers['job-token'] !== JOB_TOKEN) {
      res
        .writeHead(401, { 'Content-Type': 'application/json' })
        .end('{"message":"401 Unauthorized"}');
      return;
    }
    const download = /^\/api\/v4\/jobs\/(\d+)\/artifacts$/.exec(req.url.pathname);
    if (req.method === 'GET' && download?.[1] === '4240') {
      res.writeHead(200, { 'Content-Type': 'application/zip' }).end(fixtureZip);
    } else if (req.method === 'GET' && download?.[1] === '4239') {
      res.writeHead(302, { Location: '/storage/object.zip' }).end();
    } else if (req.method === 'GET' && req.url.pathname === '/storage/object.zip') {
      res.writeHead(200).end(fixtureZip);
    } else if (req.method === 'POST' && download?.[1] === '4242') {
      res.writeHead(uploadStatus, { 'Content-Type': 'application/json' });
      res.end(uploadStatus === 201 ? '201' : `{"message":"refused with ${uploadStatus}"}`);
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"404 Not Found"}');
    }
  });
});
afterEach(async () => {
  await gitlab.close();
  tmp.remove();
});

async function setup(spec: JobSpec) {
  const ctx = makeScriptContext(makeJob(spec), { gitlabUrl: `${gitlab.url}/` });
  expect((await runScript(conn, generateGetSourcesScript(ctx, 'test'))).exitCode).toBe(0);
  return { ctx, project: ctx.layout.projectDir.replace('$PWD', tmp.dir) };
}

function write(project: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(project, name, '..'), { recursive: true });
    writeFileSync(join(project, name), content);
  }
}

async function upload(ctx: ReturnType<typeof makeScriptContext>, succeeded = true) {
  const text = generateUploadArtifactsScript(ctx, succeeded);
  if (text === undefined) throw new Error('nothing to upload');
  const run = await runScript(conn, text);
  return { ...run, plain: stripAnsi(run.output) };
}

function uploads(): { req: RecordedRequest; file: ReturnType<typeof parseMultipart>[number] }[] {
  return gitlab.requests
    .filter((r) => r.method === 'POST')
    .map((req) => {
      const parts = parseMultipart(req.body, req.headers['content-type']);
      expect(parts.map((p) => p.name)).toEqual(['file']);
      return { req, file: parts[0]! };
    });
}

const archive = (extra: Record<string, unknown>) => ({
  name: 'coverage',
  when: 'on_success',
  expire_in: '7 days',
  artifact_type: 'archive',
  artifact_format: 'zip',
  ...extra,
});

describe('upload_artifacts', () => {
  it('zips globbed paths minus excludes and posts them as the multipart field "file"', async () => {
    const { ctx, project } = await setup({
      artifacts: [
        archive({
          paths: ['coverage/', 'reports/**/*.xml', '$OUT_DIR/out.txt', 'missing/'],
          exclude: ['coverage/tmp/'],
        }),
      ],
      variables: [{ key: 'OUT_DIR', value: 'build' }],
    });
    write(project, {
      'coverage/index.html': '<html>',
      'coverage/tmp/scratch': 'x',
      'reports/a/b/one.xml': '<a/>',
      'reports/two.xml': '<b/>',
      'reports/skip.txt': 'no',
      'build/out.txt': 'out',
    });
    const run = await upload(ctx);
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain(
      `WARNING: missing/: no matching files. Ensure that the artifact path is relative to the working directory (${project})`,
    );
    expect(run.plain).toContain(
      'Uploading artifacts as "archive" to coordinator... 201 Created  id=4242',
    );
    const [sent] = uploads();
    expect(sent!.req.url.pathname).toBe('/api/v4/jobs/4242/artifacts');
    expect(Object.fromEntries(sent!.req.url.searchParams)).toEqual({
      artifact_format: 'zip',
      artifact_type: 'archive',
      expire_in: '7 days',
    });
    expect(sent!.file.filename).toBe('coverage.zip');
    const names = listZip(tmp.dir, sent!.file.data).filter((n) => !n.endsWith('/'));
    expect(names.sort()).toEqual([
      'build/out.txt',
      'coverage/index.html',
      'reports/a/b/one.xml',
      'reports/two.xml',
    ]);
  });

  it('says there is nothing to upload without failing when no path matches', async () => {
    const { ctx } = await setup({ artifacts: [archive({ paths: ['nothing/'] })] });
    const run = await upload(ctx);
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('ERROR: No files to upload');
    expect(uploads()).toHaveLength(0);
  });

  it('sends gzip reports as one gzip stream and raw reports unchanged', async () => {
    const { ctx, project } = await setup({
      artifacts: [
        archive({
          name: 'junit.xml',
          paths: ['junit.xml'],
          artifact_type: 'junit',
          artifact_format: 'gzip',
          when: 'always',
        }),
        archive({
          name: 'gl-sast-report.json',
          paths: ['sast.json'],
          artifact_type: 'sast',
          artifact_format: 'raw',
          when: 'always',
        }),
      ],
    });
    write(project, { 'junit.xml': '<testsuites/>', 'sast.json': '{"v":1}' });
    const run = await upload(ctx);
    expect(run.exitCode).toBe(0);
    const [junit, sast] = uploads();
    expect(junit!.req.url.searchParams.get('artifact_type')).toBe('junit');
    expect(junit!.file.filename).toBe('junit.xml.gz');
    expect(gunzipSync(junit!.file.data).toString()).toBe('<testsuites/>');
    expect(sast!.file.filename).toBe('gl-sast-report.json');
    expect(sast!.file.data.toString()).toBe('{"v":1}');
  });

  it('reports a refused upload clearly and fails the stage after trying every entry', async () => {
    uploadStatus = 403;
    const { ctx, project } = await setup({
      artifacts: [archive({ paths: ['a.txt'] }), archive({ name: 'second', paths: ['a.txt'] })],
    });
    write(project, { 'a.txt': 'a' });
    const run = await upload(ctx);
    expect(run.exitCode).toBe(1);
    expect(run.plain).toContain(
      'ERROR: Uploading artifacts as "archive" to coordinator... forbidden  id=4242 responseStatus=403',
    );
    expect(run.plain).toContain('refused with 403');
    expect(uploads()).toHaveLength(2);
    uploadStatus = 413;
    expect((await upload(ctx)).plain).toContain('too large archive');
  });

  it('chooses entries by when and the job result', () => {
    const ctx = makeScriptContext(
      makeJob({
        artifacts: [
          archive({ name: 'ok', paths: ['x'], when: 'on_success' }),
          archive({ name: 'bad', paths: ['x'], when: 'on_failure' }),
          archive({ name: 'any', paths: ['x'], when: 'always' }),
          archive({ name: 'empty', paths: [], when: 'always' }),
        ],
      }),
    );
    expect(artifactsToUpload(ctx, true).map((a) => a.name)).toEqual(['ok', 'any']);
    expect(artifactsToUpload(ctx, false).map((a) => a.name)).toEqual(['bad', 'any']);
    expect(generateUploadArtifactsScript(makeScriptContext(makeJob()), true)).toBeUndefined();
  });
});

describe('download_artifacts', () => {
  const dep = (id: number, filename = 'artifacts.zip') => ({
    id,
    name: `build-${id}`,
    token: JOB_TOKEN,
    artifacts_file: { filename, size: 10 },
  });

  it('downloads each dependency with its token, follows redirects and unpacks into the project', async () => {
    const { ctx, project } = await setup({
      dependencies: [dep(4240), dep(4239), { id: 1, name: 'none', token: JOB_TOKEN }],
    });
    const text = generateDownloadArtifactsScript(ctx);
    const run = await runScript(conn, text!);
    expect(run.exitCode).toBe(0);
    expect(stripAnsi(run.output)).toContain('Downloading artifacts for build-4240 (4240)...');
    expect(stripAnsi(run.output)).toContain(
      'Downloading artifacts from coordinator... ok  id=4239 responseStatus=200 OK',
    );
    expect(readFileSync(join(project, 'dist/app.js'), 'utf8')).toBe('console.log(1)\n');
    expect(gitlab.requests.map((r) => r.url.pathname)).toEqual([
      '/api/v4/jobs/4240/artifacts',
      '/api/v4/jobs/4239/artifacts',
      '/storage/object.zip',
    ]);
    expect(run.output).not.toContain(JOB_TOKEN);
  });

  it('unpacks into the runner project dir even when the payload carries CI_PROJECT_DIR', async () => {
    const elsewhere = join(tmp.dir, 'builds/group/x');
    const { ctx, project } = await setup({
      dependencies: [dep(4240)],
      variables: [
        { key: 'CI_PROJECT_DIR', value: elsewhere },
        { key: 'CI_BUILDS_DIR', value: join(tmp.dir, 'elsewhere') },
      ],
    });
    const run = await runScript(conn, generateDownloadArtifactsScript(ctx)!);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(join(project, 'dist/app.js'), 'utf8')).toBe('console.log(1)\n');
    expect(existsSync(elsewhere)).toBe(false);
    expect(ctx.vars.value('CI_PROJECT_DIR')).toBe(ctx.layout.projectDir);
  });

  it('fails the stage when a dependency has no archive (404)', async () => {
    const { ctx, project } = await setup({ dependencies: [dep(4100)] });
    const run = await runScript(conn, generateDownloadArtifactsScript(ctx)!);
    expect(run.exitCode).toBe(1);
    expect(stripAnsi(run.output)).toContain(
      'ERROR: Downloading artifacts from coordinator... not found  id=4100 responseStatus=404 Not Found',
    );
    expect(existsSync(join(`${project}.tmp`, 'artifacts-4100.zip'))).toBe(false);
  });

  it('has nothing to do without downloadable dependencies', () => {
    const ctx = makeScriptContext(makeJob({ dependencies: [dep(5, '')] }));
    expect(generateDownloadArtifactsScript(ctx)).toBeUndefined();
  });
});

function makeZip(dir: string, files: Record<string, string>): Buffer {
  const work = join(dir, 'zip-fixture');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(work, name, '..'), { recursive: true });
    writeFileSync(join(work, name), content);
  }
  execFileSync('zip', ['-q', '-r', join(dir, 'fixture.zip'), '.'], { cwd: work });
  return readFileSync(join(dir, 'fixture.zip'));
}

function listZip(dir: string, data: Buffer): string[] {
  const file = join(dir, 'listed.zip');
  writeFileSync(file, data);
  return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
