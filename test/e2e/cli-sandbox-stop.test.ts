/**
 * `spotrunner sandbox` stopped with signals, as a user does with Ctrl-C: the real CLI in a child
 * process (as `nobody`, so the job scripts never run as root). Stop times are printed for the
 * record, not asserted: the test timeout is only a generous bound.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NOBODY, privateDir, startCli, waitUntil, type CliProcess } from './cli-process.js';
import { PROJECTS_DIR, processesUnder } from './harness.js';

let home: string | undefined;
let running: CliProcess | undefined;
afterEach(async () => {
  running?.kill('SIGKILL'); // a test that failed early leaves no sandbox behind
  running = undefined;
  const dir = home;
  home = undefined;
  if (!dir) return;
  const left = await processesUnder(dir);
  await rm(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

interface Sandbox {
  cli: CliProcess;
  dataDir: string;
  /** Resolves once job 1's trace contains `text`. */
  traceShows(text: string): Promise<void>;
}

/** Starts the sandbox on a project of test/e2e/projects and waits until job 1's script ticks. */
async function startSandbox(project: string): Promise<Sandbox> {
  home = await privateDir(NOBODY);
  const dataDir = join(home, 'data');
  const cli = startCli(
    ['sandbox', join(PROJECTS_DIR, project), '--boot-delay', '0s', '--data-dir', dataDir],
    { user: NOBODY, home, timeoutMs: 90_000 },
  );
  running = cli;
  const url = await waitUntil(
    'the server URL',
    () => /server at (http:\S+)/.exec(cli.stdout())?.[1],
  );
  const traceShows = async (text: string): Promise<void> => {
    await waitUntil(`"${text}" in the trace`, async () => {
      const res = await fetch(`${url}/sandbox/api/jobs/1/trace?format=plain`).catch(() => null);
      return res?.ok && (await res.text()).includes(text) ? true : undefined;
    });
  };
  await traceShows('tick 2');
  return { cli, dataDir, traceShows };
}

describe('spotrunner sandbox stopped by a signal', () => {
  it('cancels the running job on SIGINT, runs its after_script and exits 130', async () => {
    const { cli, dataDir } = await startSandbox('cancel-midway');
    const sentAtMs = cli.kill('SIGINT');
    const run = await cli.done;

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    console.log(`sandbox exited ${run.exitedAtMs - sentAtMs} ms after SIGINT`);
    expect(run.code, output).toBe(130);
    expect(run.stderr, output).not.toMatch(/ERROR|Error:/);
    expect(run.stdout).toContain('job long #1: canceling');
    expect(run.stdout).toMatch(/#1 long +canceled/);
    expect(run.stdout).toContain('sandbox: pipeline canceled (interrupted)');
    expect(run.stdout).toMatch(/sandbox: stopped \d+\.\ds after SIGINT\n$/);
    const trace = await readFile(join(dataDir, 'traces', '1-long.log'), 'utf8');
    expect(trace).toContain('after_script ran with status canceled');
    expect(trace).not.toContain('this line never runs');
    expect(await readdir(join(dataDir, 'instances'))).toEqual([]);
  });

  it('stops at once on a second signal (SIGTERM, then SIGINT) and exits 143', async () => {
    const { cli, dataDir, traceShows } = await startSandbox('slow-after-script');
    cli.kill('SIGTERM');
    await traceShows('after_script started');
    const secondAtMs = cli.kill('SIGINT');
    const run = await cli.done;

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    console.log(`sandbox exited ${run.exitedAtMs - secondAtMs} ms after the second signal`);
    expect(run.code, output).toBe(143);
    expect(run.stderr, output).not.toMatch(/ERROR|Error:/);
    expect(run.stdout).toContain('sandbox: second signal (SIGINT): stopping now');
    expect(run.stdout).toMatch(/#1 long +canceled/);
    expect(run.stdout).toMatch(/stopped \d+\.\ds after SIGTERM, \d+\.\ds after the second\n$/);
    expect(await readdir(join(dataDir, 'instances'))).toEqual([]);
  });

  it('stops when the grace is over though the after_script still runs', async () => {
    const { cli, dataDir, traceShows } = await startSandbox('slow-after-script');
    const sentAtMs = cli.kill('SIGINT');
    await traceShows('after_script started');
    const run = await cli.done;

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    console.log(`sandbox exited ${run.exitedAtMs - sentAtMs} ms after SIGINT (after_script hangs)`);
    expect(run.code, output).toBe(130);
    expect(run.stdout).toMatch(/jobs still canceling after \d+s; stopping them now/);
    expect(run.stdout).toMatch(/#1 long +canceled/);
    const trace = await readFile(join(dataDir, 'traces', '1-long.log'), 'utf8');
    expect(trace).not.toContain('after_script finished');
    expect(await readdir(join(dataDir, 'instances'))).toEqual([]);
  });
});
