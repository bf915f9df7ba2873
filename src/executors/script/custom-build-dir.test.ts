import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessConnection } from '../../connect/process-connection.js';
import type { InstanceConnection } from '../../connect/connection.js';
import { makeJob, makeScriptContext, makeTempDir } from '../testing/job-fixture.js';
import { runScript, stripAnsi } from '../testing/run-script.js';
import { resolveCloneDir } from './custom-build-dir.js';
import { generateGetSourcesScript, generateStepScript, scriptSteps } from './index.js';

const NOT_ALLOWED = 'setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature';

describe('resolveCloneDir (gitlab-runner getCustomBuildDir)', () => {
  it('keeps the default project dir when GIT_CLONE_PATH is empty', () => {
    expect(resolveCloneDir('', '/builds', false)).toEqual({ kind: 'default' });
  });

  it('refuses any GIT_CLONE_PATH unless custom_build_dir is enabled', () => {
    expect(resolveCloneDir('/builds/x', '/builds', false)).toEqual({
      kind: 'error',
      message: NOT_ALLOWED,
    });
  });

  it.each([
    ['/builds/go/src/acme/widget', '/builds', '/builds/go/src/acme/widget'],
    ['/builds/a/../b/', '/builds', '/builds/b'],
    ['/builds', '/builds', '/builds'],
    ['/anything/at/all', '/', '/anything/at/all'],
    ['\u0000PWD\u0000/builds/custom', '$PWD/builds', '$PWD/builds/custom'],
    ['~/builds/custom', '$HOME/builds', '$HOME/builds/custom'],
  ])('takes %s within %s as %s', (path, root, projectDir) => {
    expect(resolveCloneDir(path, root, true)).toEqual({ kind: 'custom', projectDir });
  });

  it.each([
    ['/tmp/elsewhere', '/builds', 'the GIT_CLONE_PATH="/tmp/elsewhere" has to be within "/builds"'],
    ['/builds/../etc', '/builds', 'the GIT_CLONE_PATH="/builds/../etc" has to be within "/builds"'],
    ['/buildsx/y', '/builds', 'the GIT_CLONE_PATH="/buildsx/y" has to be within "/builds"'],
    ['/builds/..x', '/builds', 'the GIT_CLONE_PATH="/builds/..x" has to be within "/builds"'],
    [
      '\u0000HOME\u0000/builds/x',
      '$PWD/builds',
      'the GIT_CLONE_PATH="$HOME/builds/x" has to be within "$PWD/builds"',
    ],
    ['relative/dir', '/builds', "Rel: can't make relative/dir relative to /builds"],
  ])('refuses %s outside %s', (path, root, message) => {
    expect(resolveCloneDir(path, root, true)).toEqual({ kind: 'error', message });
  });
});

describe('GIT_CLONE_PATH in generated scripts', () => {
  let tmp: { dir: string; remove: () => void };
  let conn: InstanceConnection;
  beforeEach(() => {
    tmp = makeTempDir();
    conn = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
  });
  afterEach(() => tmp.remove());

  it('runs every stage of the job in GIT_CLONE_PATH below CI_BUILDS_DIR when enabled', async () => {
    // GitLab sends references it cannot resolve as they are: $CI_BUILDS_DIR is the runner's.
    const ctx = makeScriptContext(
      makeJob({
        script: ['pwd', 'echo "dir=$CI_PROJECT_DIR"'],
        variables: [
          { key: 'GIT_CLONE_PATH', value: '$CI_BUILDS_DIR/go/src/acme/widget' },
          { key: 'GIT_STRATEGY', value: 'none' },
        ],
      }),
      { customBuildDir: true },
    );
    expect(ctx.buildDirError).toBeUndefined();
    expect(ctx.layout.projectDir).toBe('$PWD/builds/go/src/acme/widget');
    expect((await runScript(conn, generateGetSourcesScript(ctx, 'test'))).exitCode).toBe(0);
    const run = await runScript(conn, generateStepScript(ctx, scriptSteps(ctx)[0]!));
    expect(run.exitCode).toBe(0);
    const dir = join(tmp.dir, 'builds/go/src/acme/widget');
    const plain = stripAnsi(run.output);
    expect(plain).toContain(`${dir}\n`);
    expect(plain).toContain(`dir=${dir}\n`);
    expect(existsSync(join(tmp.dir, 'builds/t9Wkyj-HG'))).toBe(false);
  });

  it('follows a reference only one level deep, as gitlab-runner expands', () => {
    const ctx = makeScriptContext(
      makeJob({
        variables: [
          { key: 'GOPATH', value: '$CI_BUILDS_DIR/go' },
          { key: 'GIT_CLONE_PATH', value: '$GOPATH/src/acme/widget' },
        ],
      }),
      { customBuildDir: true },
    );
    expect(ctx.buildDirError).toBe(
      "Rel: can't make $CI_BUILDS_DIR/go/src/acme/widget relative to $PWD/builds",
    );
  });

  it('says why when GIT_CLONE_PATH is not allowed or lies outside CI_BUILDS_DIR', () => {
    const job = (value: string) => makeJob({ variables: [{ key: 'GIT_CLONE_PATH', value }] });
    expect(makeScriptContext(job('$CI_BUILDS_DIR/x')).buildDirError).toBe(NOT_ALLOWED);
    expect(makeScriptContext(job('/tmp/x'), { customBuildDir: true }).buildDirError).toBe(
      'the GIT_CLONE_PATH="/tmp/x" has to be within "$PWD/builds"',
    );
  });
});
