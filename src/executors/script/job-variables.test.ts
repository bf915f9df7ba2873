import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessConnection } from '../../connect/process-connection.js';
import type { InstanceConnection } from '../../connect/connection.js';
import { makeJob, makeRunner, makeScriptContext, makeTempDir } from '../testing/job-fixture.js';
import { runScript, stripAnsi } from '../testing/run-script.js';
import {
  generateCleanupScript,
  generateGetSourcesScript,
  generatePrepareScript,
  generateStepScript,
  scriptSteps,
} from './index.js';
import { collectJobVariables, VariableSet } from './job-variables.js';
import { createScriptContext } from './script-context.js';
import { computeBuildLayout, shortenToken } from './build-layout.js';

let tmp: { dir: string; remove: () => void };
let conn: InstanceConnection;

beforeEach(() => {
  tmp = makeTempDir();
  conn = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
});
afterEach(() => tmp.remove());

async function runJobScript(job: ReturnType<typeof makeJob>, runner = makeRunner()) {
  const ctx = makeScriptContext(job, { runner });
  expect((await runScript(conn, generatePrepareScript(ctx))).exitCode).toBe(0);
  expect((await runScript(conn, generateGetSourcesScript(ctx, 'test'))).exitCode).toBe(0);
  const run = await runScript(conn, generateStepScript(ctx, scriptSteps(ctx)[0]!));
  return { ctx, run, plain: stripAnsi(run.output) };
}

describe('job variables in generated scripts', () => {
  it('lays the build out below builds/<short token>/<slot>/<namespace>/<project>', async () => {
    const { run, plain } = await runJobScript(
      makeJob({ script: ['pwd', 'echo "dir=$CI_PROJECT_DIR builds=$CI_BUILDS_DIR"'] }),
    );
    expect(run.exitCode).toBe(0);
    const project = join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget');
    expect(plain).toContain(`${project}\n`);
    expect(plain).toContain(`dir=${project} builds=${join(tmp.dir, 'builds')}`);
  });

  it('writes file variables to a 0600 file and puts its path in the variable', async () => {
    const job = makeJob({
      script: ['echo "path=$KUBECONFIG"', 'cat "$KUBECONFIG"'],
      variables: [{ key: 'KUBECONFIG', value: 'apiVersion: v1\nkind: Config', file: true }],
    });
    const { ctx, run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    const file = join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget.tmp/KUBECONFIG');
    expect(plain).toContain(`path=${file}`);
    expect(plain).toContain('apiVersion: v1\nkind: Config');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await runScript(conn, generateCleanupScript(ctx))).exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('expands $VAR references at runtime but leaves raw variables and command syntax alone', async () => {
    const job = makeJob({
      script: ['echo "greeting=$GREETING"', 'echo "raw=$LITERAL"', 'echo "tricky=$TRICKY"'],
      variables: [
        { key: 'NAME', value: 'world' },
        { key: 'GREETING', value: 'hello ${NAME} from $HOME_DIR_UNSET!' },
        { key: 'LITERAL', value: '$NAME stays', raw: true },
        { key: 'TRICKY', value: '`id` $(id) \'quoted\' "double" \\ *' },
      ],
    });
    const { run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    expect(plain).toContain('greeting=hello world from !');
    expect(plain).toContain('raw=$NAME stays');
    expect(plain).toContain('tricky=`id` $(id) \'quoted\' "double" \\ *');
  });

  it('lets job variables override the runner environment, which overrides nothing predefined', async () => {
    const job = makeJob({
      script: ['echo "a=$FROM_RUNNER b=$SHARED c=$CI_PROJECT_DIR"'],
      variables: [{ key: 'SHARED', value: 'from-job' }],
    });
    const runner = makeRunner({
      environment: ['FROM_RUNNER=r1', 'SHARED=from-runner', 'CI_PROJECT_DIR=/evil'],
    });
    const { plain } = await runJobScript(job, runner);
    expect(plain).toContain('a=r1 b=from-job c=' + join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget'));
  });

  it('keeps the runner directories when the payload carries CI_PROJECT_DIR and CI_BUILDS_DIR', async () => {
    const job = makeJob({
      script: [
        'pwd',
        'echo "dir=$CI_PROJECT_DIR builds=$CI_BUILDS_DIR out=$OUT id=$CI_CONCURRENT_ID"',
      ],
      variables: [
        { key: 'CI_PROJECT_DIR', value: '/builds/group/x' },
        { key: 'CI_BUILDS_DIR', value: '/builds' },
        { key: 'CI_CONCURRENT_ID', value: '99' },
        { key: 'OUT', value: '$CI_PROJECT_DIR/out' },
      ],
    });
    const { run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    const project = join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget');
    expect(plain).toContain(`${project}\n`);
    expect(plain).toContain(
      `dir=${project} builds=${join(tmp.dir, 'builds')} out=${project}/out id=0`,
    );
  });

  it('expands like gitlab-runner: $$ is a literal $, and the instance environment is not used', async () => {
    const job = makeJob({
      script: [
        'echo "price=$PRICE"',
        'echo "env=[$FROM_ENV]"',
        'echo "chain=$CHAIN"',
        'echo "file=$FILE_REF"',
      ],
      variables: [
        { key: 'PRICE', value: 'costs $$5, not $${NAME} or $$NAME' },
        { key: 'NAME', value: 'world' },
        { key: 'FROM_ENV', value: '$HOME|${PATH}|$USER|$PWD' },
        { key: 'CHAIN', value: '$GREETING' },
        { key: 'GREETING', value: 'hello $NAME' },
        { key: 'CONFIG', value: 'x', file: true },
        { key: 'FILE_REF', value: '$CONFIG' },
      ],
    });
    const { run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    expect(plain).toContain('price=costs $5, not ${NAME} or $NAME\n');
    expect(plain).toContain('env=[|||]\n');
    // One pass, as gitlab-runner: a reference takes the other value as written.
    expect(plain).toContain('chain=hello $NAME\n');
    expect(plain).toContain(`file=${join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget.tmp/CONFIG')}\n`);
  });

  it('resolves a builds_dir under ~ from the login HOME, not from a HOME the job defines', async () => {
    const home = join(tmp.dir, 'home');
    const login = createProcessConnection({
      instanceId: 'local-1',
      cwd: tmp.dir,
      env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const ctx = createScriptContext({
      job: makeJob({
        script: ['echo "dir=$CI_PROJECT_DIR out=$OUT home=$HOME"'],
        variables: [
          { key: 'HOME', value: '/nonexistent' },
          { key: 'OUT', value: '$CI_PROJECT_DIR/out' },
          { key: 'GIT_STRATEGY', value: 'none' },
        ],
      }),
      runner: makeRunner(),
      gitlabUrl: 'https://gitlab.example.com',
      layout: {
        buildsDir: '~/builds',
        cacheDir: '~/cache',
        sharedBuildsDir: false,
        shortToken: 'abc',
        concurrentId: 0,
        concurrentProjectId: 0,
      },
      customBuildDir: false,
      predefined: {
        jobTimeoutSeconds: 60,
        sharedEnvironment: true,
        runnerVersion: '1.0',
        runnerRevision: 'r',
        arch: 'amd64',
      },
    });
    expect((await runScript(login, generateGetSourcesScript(ctx, 'test'))).exitCode).toBe(0);
    const run = await runScript(login, generateStepScript(ctx, scriptSteps(ctx)[0]!));
    expect(run.exitCode).toBe(0);
    const project = join(home, 'builds/acme/widget');
    expect(stripAnsi(run.output)).toContain(
      `dir=${project} out=${project}/out home=/nonexistent\n`,
    );
  });

  it('echoes each command like gitlab-runner, without printing variable values', async () => {
    const job = makeJob({
      script: ['echo start', 'test -n "$SECRET_TOKEN"', 'for i in 1 2; do\n  echo "line $i"\ndone'],
      variables: [{ key: 'SECRET_TOKEN', value: 's3cr3t-value-xyz', masked: true }],
    });
    const { run } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('\x1b[32;1m$ echo start\x1b[0;m\n');
    expect(run.output).toContain('$ test -n "$SECRET_TOKEN"');
    expect(run.output).toContain('$ for i in 1 2; do # collapsed multi-line command');
    expect(run.output).toContain('line 1\nline 2\n');
    expect(run.output).not.toContain('s3cr3t-value-xyz');
  });

  it('stops at the first failing command with its exit code (set -eo pipefail)', async () => {
    const job = makeJob({ script: ['echo one', 'false | true', 'echo never'] });
    const { run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(1);
    expect(plain).toContain('one');
    expect(plain).not.toContain('\nnever');
    const exit7 = await runJobScript(makeJob({ script: ['(exit 7)'] }));
    expect(exit7.run.exitCode).toBe(7);
  });

  it('does not let commands read the script from stdin', async () => {
    const job = makeJob({ script: ['cat', 'echo after-cat'] });
    const { run, plain } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    expect(plain).toContain('after-cat');
    expect(plain).not.toContain('__sr_pid');
  });

  it('keeps secrets out of the command line of every process', async () => {
    const job = makeJob({
      script: ['ps -eo args= > "$CI_PROJECT_DIR/../ps.txt"'],
      variables: [{ key: 'SECRET_TOKEN', value: 's3cr3t-value-xyz', masked: true }],
    });
    const { run } = await runJobScript(job);
    expect(run.exitCode).toBe(0);
    const ps = readFileSync(join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/ps.txt'), 'utf8');
    expect(ps).toContain('bash -s');
    expect(ps).not.toContain('s3cr3t-value-xyz');
    expect(ps).not.toContain('glcbt-');
  });
  it('traces commands with CI_DEBUG_TRACE, but not the exports, unless the runner forbids it', async () => {
    const spec = {
      script: ['echo traced'],
      variables: [
        { key: 'CI_DEBUG_TRACE', value: 'true' },
        { key: 'SECRET_TOKEN', value: 's3cr3t-value-xyz', masked: true },
      ],
    };
    const traced = await runJobScript(makeJob(spec));
    expect(traced.plain).toContain('+ echo traced');
    expect(traced.run.output).not.toContain('s3cr3t-value-xyz');
    const quiet = await runJobScript(makeJob(spec), makeRunner({ debugTraceDisabled: true }));
    expect(quiet.plain).not.toContain('+ echo traced');
  });
});

describe('collectJobVariables', () => {
  it('orders predefined, runner environment, job variables and runner identity', () => {
    const job = makeJob({ variables: [{ key: 'X', value: '1' }] });
    const layout = computeBuildLayout(job, {
      buildsDir: '/builds',
      cacheDir: '/cache',
      sharedBuildsDir: false,
      shortToken: 'abc',
      concurrentId: 2,
      concurrentProjectId: 1,
    });
    const vars = new VariableSet(
      collectJobVariables(job, ['ENV_A=a', 'bad entry', 'X=runner'], layout, {
        jobTimeoutSeconds: 60,
        sharedEnvironment: false,
        runnerVersion: '1.0',
        runnerRevision: 'r',
        arch: 'arm64',
      }),
    );
    expect(layout.projectDir).toBe('/builds/acme/widget');
    expect(vars.value('CI_PROJECT_DIR')).toBe('/builds/acme/widget');
    expect(vars.value('CI_CONCURRENT_ID')).toBe('2');
    expect(vars.value('CI_CONCURRENT_PROJECT_ID')).toBe('1');
    expect(vars.value('X')).toBe('1');
    expect(vars.value('ENV_A')).toBe('a');
    expect(vars.value('CI_DISPOSABLE_ENVIRONMENT')).toBe('true');
    expect(vars.expand('${CI_JOB_ID}-$X-$UNKNOWN')).toBe('4242-1-');
    expect(vars.maskedValues()).toContain(job.token);
  });

  it('shortens runner tokens like gitlab-runner', () => {
    expect(shortenToken('glrt-t1_t9Wkyj-HGRkqQabc')).toBe('t9Wkyj-HG');
    expect(shortenToken('GR1348941Z196cJVywzZ')).toBe('Z196cJVyw');
    expect(shortenToken('plainTokenValue')).toBe('plainToke');
  });
});
