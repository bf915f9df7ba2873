/** `spotrunner sandbox-ctl` against a running embedded server: projects, run, status, cancel, trace. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerSandboxCtlCommand } from '../../src/cli/commands/sandbox-ctl.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';

let dir: string;
let server: SandboxServer;
let url: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-ctl-'));
  server = createSandboxServer(
    { clock: new SystemClock(), logger: new MemoryLogger() },
    { dataDir: join(dir, 'gitlab') },
  );
  url = (await server.start()).url;
  const src = join(dir, 'proj');
  await mkdir(src);
  await writeFile(join(src, '.gitlab-ci.yml'), 'hello:\n  script: [echo hi]\n');
  await server.createProject({ sourceDir: src, name: 'proj' });
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ctl(...args: string[]): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const ctx: CliContext = {
    env: {},
    stdout,
    stderr: new PassThrough(),
    cwd: dir,
    version: 'test',
    isTTY: false,
    setExitCode: () => undefined,
    onSignal: () => () => undefined,
  };
  await createProgram(ctx, [registerSandboxCtlCommand]).parseAsync([
    'node',
    'spotrunner',
    'sandbox-ctl',
    '--url',
    url,
    ...args,
  ]);
  return out;
}

describe('sandbox-ctl', () => {
  it('lists projects, runs a pipeline, shows it, cancels its job and prints the trace', async () => {
    expect(await ctl('projects')).toMatch(/^1\tsandbox\/proj$/m);
    expect(await ctl('run', '1')).toMatch(/pipeline #1 on main .*: pending/);
    expect(await ctl('pipelines', '1')).toMatch(/^#1\tpending\tmain/m);
    const job = server.pipeline(1)!.jobs[0]!;
    expect(await ctl('cancel', String(job.id))).toBe(`job #${job.id} hello: canceled\n`);
    expect(await ctl('status', '1')).toContain('canceled');
    expect(JSON.parse(await ctl('job', String(job.id)))).toMatchObject({
      id: job.id,
      status: 'canceled',
    });
    expect(await ctl('trace', String(job.id), '--plain')).toBe('');
  });

  it('passes pipeline variables with --var, which rules see, and refuses a malformed one', async () => {
    const src = join(dir, 'rules');
    await mkdir(src);
    await writeFile(
      join(src, '.gitlab-ci.yml'),
      'build:\n  script: [make]\ndeploy:\n  script: [./deploy]\n  rules:\n    - if: $DEPLOY == "yes"\n',
    );
    const project = await server.createProject({ sourceDir: src, name: 'rules' });
    const jobsOf = (out: string): string[] => {
      const id = Number(/pipeline #(\d+)/.exec(out)?.[1]);
      return server.pipeline(id)!.jobs.map((j) => j.name);
    };
    expect(jobsOf(await ctl('run', String(project.id)))).toEqual(['build']);
    expect(
      jobsOf(await ctl('run', String(project.id), '--var', 'DEPLOY=yes', '--var', 'X=')),
    ).toEqual(['build', 'deploy']);
    await expect(ctl('run', '1', '--var', 'no-equals')).rejects.toThrow(
      '--var expects KEY=VALUE with a variable name as KEY, got "no-equals"',
    );
  });

  it('refuses a job id that is not a number', async () => {
    await expect(ctl('job', 'abc')).rejects.toThrow(
      'job must be a positive whole number, got "abc"',
    );
  });
});
