import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import type { CacheUrls } from '../executor.js';
import { startHttpDouble, type HttpDouble } from '../testing/http-double.js';
import {
  git,
  makeJob,
  makeRunner,
  makeScriptContext,
  makeTempDir,
  type JobSpec,
} from '../testing/job-fixture.js';
import { runScript, stripAnsi } from '../testing/run-script.js';
import { cacheObjectName } from './cache-key.js';
import { planCacheArchive, planCacheRestore } from './cache-plan.js';
import { generateArchiveCacheScript, generateRestoreCacheScript } from './cache-stages.js';
import { generateGetSourcesScript } from './get-sources-stage.js';
import type { ScriptContext } from './script-context.js';

let tmp: { dir: string; remove: () => void };
let conn: InstanceConnection;
let s3: HttpDouble;
const objects = new Map<string, Buffer>();

/** Presigned URLs for the in-test "S3": only requests carrying the signature are served. */
function cacheUrls(shared = false): CacheUrls {
  const url = (key: string): Promise<string> =>
    Promise.resolve(
      `${s3.url}/bucket/${cacheObjectName(key, { path: 'cache', shared, shortToken: 't9Wkyj-HG', projectId: 17 })}?X-Amz-Signature=sig`,
    );
  return { getUrl: url, putUrl: url };
}

beforeEach(async () => {
  tmp = makeTempDir();
  conn = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
  objects.clear();
  s3 = await startHttpDouble((req, res) => {
    if (req.url.searchParams.get('X-Amz-Signature') !== 'sig') {
      res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    if (req.method === 'PUT') {
      objects.set(req.url.pathname, req.body);
      res.writeHead(200).end();
      return;
    }
    const body = objects.get(req.url.pathname);
    if (!body) res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
    else res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(body);
  });
});
afterEach(async () => {
  await s3.close();
  tmp.remove();
});

async function setup(spec: JobSpec, runner = makeRunner()) {
  const ctx = makeScriptContext(makeJob(spec), { runner });
  expect((await runScript(conn, generateGetSourcesScript(ctx, 'test'))).exitCode).toBe(0);
  return { ctx, project: ctx.layout.projectDir.replace('$PWD', tmp.dir) };
}

async function restore(ctx: ScriptContext, urls: CacheUrls | undefined) {
  const text = generateRestoreCacheScript(ctx, await planCacheRestore(ctx, urls));
  if (text === undefined) throw new Error('nothing to restore');
  const run = await runScript(conn, text);
  return { ...run, plain: stripAnsi(run.output) };
}

async function archive(ctx: ScriptContext, urls: CacheUrls | undefined, succeeded = true) {
  const text = generateArchiveCacheScript(ctx, await planCacheArchive(ctx, urls, succeeded));
  if (text === undefined) throw new Error('nothing to archive');
  const run = await runScript(conn, text);
  return { ...run, plain: stripAnsi(run.output) };
}

const nodeCache = (extra: Record<string, unknown> = {}) => ({
  key: 'deps-$CI_JOB_ID',
  paths: ['node_modules/', 'vendor/**/*.so'],
  policy: 'pull-push',
  when: 'on_success',
  ...extra,
});

describe('cache stages', () => {
  it('treats a missing object (404) as no cache and goes on', async () => {
    const { ctx } = await setup({ cache: [nodeCache()] });
    const run = await restore(ctx, cacheUrls());
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Checking cache for deps-4242...');
    expect(run.plain).toContain('WARNING: file does not exist');
    expect(run.plain).toContain('WARNING: Failed to extract cache');
    expect(s3.requests.map((r) => r.url.pathname)).toEqual([
      '/bucket/cache/runner/t9Wkyj-HG/project/17/deps-4242',
    ]);
  });

  it('uploads a zip of the paths with PUT and restores it into a clean project', async () => {
    const { ctx, project } = await setup({ cache: [nodeCache()] });
    mkdirSync(join(project, 'node_modules/pkg'), { recursive: true });
    mkdirSync(join(project, 'vendor/a/b'), { recursive: true });
    writeFileSync(join(project, 'node_modules/pkg/index.js'), 'module.exports = 1;\n');
    writeFileSync(join(project, 'node_modules/.bin'), '#!/bin/sh\n');
    writeFileSync(join(project, 'vendor/a/b/lib.so'), 'so');
    writeFileSync(join(project, 'vendor/a/b/lib.txt'), 'not cached');
    const saved = await archive(ctx, cacheUrls(true));
    expect(saved.exitCode).toBe(0);
    expect(saved.plain).toContain('Creating cache deps-4242...');
    expect(saved.plain).toContain('node_modules/: found 4 matching artifact files and directories');
    expect(saved.plain).toContain('Created cache');
    const put = s3.requests.find((r) => r.method === 'PUT');
    expect(put?.url.pathname).toBe('/bucket/cache/project/17/deps-4242');
    expect(put?.body.subarray(0, 2).toString()).toBe('PK');
    expect(existsSync(join(tmp.dir, 'cache/project-17/deps-4242/cache.zip'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'cache/acme/widget/deps-4242/cache.zip'))).toBe(true);

    rmSync(join(project, 'node_modules'), { recursive: true });
    rmSync(join(project, 'vendor'), { recursive: true });
    rmSync(join(tmp.dir, 'cache'), { recursive: true });
    const run = await restore(ctx, cacheUrls(true));
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Successfully extracted cache');
    expect(readFileSync(join(project, 'node_modules/pkg/index.js'), 'utf8')).toBe(
      'module.exports = 1;\n',
    );
    expect(existsSync(join(project, 'node_modules/.bin'))).toBe(true);
    expect(existsSync(join(project, 'vendor/a/b/lib.so'))).toBe(true);
    expect(existsSync(join(project, 'vendor/a/b/lib.txt'))).toBe(false);
  });

  it('falls back to fallback_keys and then CACHE_FALLBACK_KEY, ignoring -protected ones', async () => {
    objects.set('/bucket/cache/runner/t9Wkyj-HG/project/17/global', zipOf(tmp.dir, 'restored.txt'));
    const { ctx, project } = await setup({
      cache: [nodeCache({ fallback_keys: ['fallback-$CI_JOB_ID'] })],
      variables: [{ key: 'CACHE_FALLBACK_KEY', value: 'global' }],
    });
    const run = await restore(ctx, cacheUrls());
    expect(run.exitCode).toBe(0);
    const checked = [...run.plain.matchAll(/Checking cache for (\S+)\.\.\./g)].map((m) => m[1]);
    expect(checked).toEqual(['deps-4242', 'fallback-4242', 'global']);
    expect(existsSync(join(project, 'restored.txt'))).toBe(true);

    const protectedCtx = makeScriptContext(
      makeJob({
        cache: [nodeCache()],
        variables: [{ key: 'CACHE_FALLBACK_KEY', value: 'main-protected' }],
      }),
    );
    const plans = await planCacheRestore(protectedCtx, cacheUrls());
    expect(plans[0]!.sources.map((s) => s.key)).toEqual(['deps-4242']);
  });

  it('honours the pull and push policies', async () => {
    const { ctx } = await setup({ cache: [nodeCache({ policy: 'pull' })] });
    const saved = await archive(ctx, cacheUrls());
    expect(saved.plain).toContain('Not uploading cache deps-4242 due to policy');
    const pushCtx = makeScriptContext(
      makeJob({
        cache: [nodeCache({ policy: '$POLICY' })],
        variables: [{ key: 'POLICY', value: 'push' }],
      }),
    );
    const restored = await restore(pushCtx, cacheUrls());
    expect(restored.plain).toContain('Not downloading cache deps-4242 due to policy');
    expect(s3.requests).toHaveLength(0);
  });

  it('fails the stage for an unknown policy', async () => {
    const { ctx } = await setup({ cache: [nodeCache({ policy: 'sometimes' })] });
    const run = await restore(ctx, cacheUrls());
    expect(run.exitCode).toBe(1);
    expect(run.plain).toContain('ERROR: unknown cache policy "sometimes" for deps-4242');
  });

  it('saves only entries whose when matches the job result', async () => {
    const ctx = makeScriptContext(
      makeJob({
        cache: [
          nodeCache({ key: 'ok', when: 'on_success' }),
          nodeCache({ key: 'bad', when: 'on_failure' }),
          nodeCache({ key: 'any', when: 'always' }),
        ],
      }),
    );
    expect((await planCacheArchive(ctx, undefined, true)).map((p) => p.key)).toEqual(['ok', 'any']);
    expect((await planCacheArchive(ctx, undefined, false)).map((p) => p.key)).toEqual([
      'bad',
      'any',
    ]);
  });

  it('keeps the archive locally when no shared cache is configured', async () => {
    const { ctx, project } = await setup({ cache: [nodeCache({ key: 'local' })] });
    mkdirSync(join(project, 'node_modules'));
    writeFileSync(join(project, 'node_modules/x'), 'x');
    const saved = await archive(ctx, undefined);
    expect(saved.plain).toContain('Cache will be stored only locally.');
    rmSync(join(project, 'node_modules'), { recursive: true });
    const run = await restore(ctx, undefined);
    expect(run.plain).toContain('Successfully extracted cache');
    expect(existsSync(join(project, 'node_modules/x'))).toBe(true);
  });

  it('caches untracked files, including ignored ones', async () => {
    const { ctx, project } = await setup({
      cache: [{ key: 'untracked', untracked: true, paths: [] }],
    });
    git(project, 'init', '-q');
    writeFileSync(join(project, '.gitignore'), 'build.log\n');
    writeFileSync(join(project, 'tracked.txt'), 't');
    git(project, 'add', 'tracked.txt', '.gitignore');
    git(project, 'commit', '-q', '-m', 'x');
    writeFileSync(join(project, 'build.log'), 'log');
    writeFileSync(join(project, 'new.txt'), 'n');
    expect((await archive(ctx, cacheUrls())).plain).toContain('untracked: found 2 files');
    const listing = execFileSync(
      'unzip',
      ['-Z1', join(tmp.dir, 'cache/acme/widget/untracked/cache.zip')],
      { encoding: 'utf8' },
    );
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['build.log', 'new.txt']);
  });

  it('does not upload archives above MaxUploadedArchiveSize', async () => {
    const runner = makeRunner({
      cache: { type: 's3', path: '', shared: false, maxUploadedArchiveSizeBytes: 10 },
    });
    const { ctx, project } = await setup({ cache: [nodeCache()] }, runner);
    mkdirSync(join(project, 'node_modules'));
    writeFileSync(join(project, 'node_modules/big'), 'x'.repeat(1000));
    const saved = await archive(ctx, cacheUrls());
    expect(saved.exitCode).toBe(0);
    expect(saved.plain).toContain('exceeds the maximum uploaded archive size (10 bytes)');
    expect(saved.plain).toContain('WARNING: Failed to create cache');
    expect(s3.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });

  it('sanitises keys and warns about the change', async () => {
    const ctx = makeScriptContext(
      makeJob({ cache: [nodeCache({ key: 'a%2Fb\\..\\c  ' }), nodeCache({ key: '../..' })] }),
    );
    const plans = await planCacheRestore(ctx, undefined);
    expect(plans[0]!.key).toBe('a/c');
    expect(plans[0]!.warnings).toEqual(['cache key "a%2Fb\\..\\c  " sanitized to "a/c"']);
    expect(plans[1]!.skip).toBe('Skipping cache extraction due to empty cache key');
  });
});

/** A zip holding one file, made with the zip CLI. */
function zipOf(dir: string, name: string): Buffer {
  const work = join(dir, 'zip-src');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, name), 'from cache');
  execFileSync('zip', ['-q', join(dir, 'fixture.zip'), name], { cwd: work });
  return readFileSync(join(dir, 'fixture.zip'));
}
