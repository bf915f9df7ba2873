/**
 * How `spotrunner sandbox` ends and what it leaves: a job no runner can take ends the pipeline
 * instead of a 30-minute wait, a bad DIR is refused before anything is created, the temp data
 * dir goes away, and the start output says which executor runs the jobs and why. The real CLI
 * in a child process, as `nobody` with a private TMPDIR.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NOBODY, privateDir, runCli } from './cli-process.js';
import { PROJECTS_DIR, processesUnder } from './harness.js';

let home: string | undefined;
afterEach(async () => {
  const dir = home;
  home = undefined;
  if (!dir) return;
  const left = await processesUnder(dir);
  await rm(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

/** Data dirs the sandbox made under TMPDIR and left there. */
async function sandboxTempDirs(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('spotrunner-sandbox-'));
}

describe('spotrunner sandbox with a job no runner can take', () => {
  it('reports it stuck with GitLab message, drops it once nothing else runs and exits 1', async () => {
    home = await privateDir(NOBODY);
    const run = await runCli(
      ['sandbox', join(PROJECTS_DIR, 'stuck-tags'), '--boot-delay', '0s', '--no-wait-scale-down'],
      { user: NOBODY, home, timeoutMs: 60_000 },
    );

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.code, output).toBe(1);
    expect(run.stdout).toContain(
      "job gpu #2: pending. This job is stuck because of one of the following problems. There are no active runners online, no runners for the protected branch, or no runners that match all of the job's tags: gpu",
    );
    expect(run.stdout).toMatch(/#1 build +success/);
    expect(run.stdout).toMatch(/#2 gpu +failed \(stuck_pending_no_matching_runners\)/);
    expect(run.stdout).toMatch(/#3 deploy +skipped/);
    expect(run.stdout).toContain('--tag-list gives it the tags your jobs ask for');
    expect(run.stdout).toContain('sandbox: pipeline failed (exit code 1)');
    // The executor is chosen by a rule, and said: Docker (there is an engine and the helper
    // image on the test machine) only when asked for.
    expect(run.stdout).toContain(
      'sandbox: executor instance (the default; --executor docker-autoscaler runs jobs in containers)',
    );
    expect(run.stdout).toMatch(/sandbox: removed \S+spotrunner-sandbox-\S+ \(--data-dir DIR keeps/);
    expect(await sandboxTempDirs(home)).toEqual([]);
  });
});

describe('spotrunner sandbox DIR', () => {
  it('refuses a missing directory with one line and exit 2, creating nothing', async () => {
    home = await privateDir(NOBODY);
    const missing = join(home, 'no-such-project');
    const run = await runCli(['sandbox', missing], { user: NOBODY, home });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(`spotrunner: project directory ${missing} does not exist\n`);
    expect(run.stdout).toBe('');
    expect(await sandboxTempDirs(home)).toEqual([]);
  });

  it('refuses a directory without .gitlab-ci.yml with one line and exit 2, creating nothing', async () => {
    home = await privateDir(NOBODY);
    const empty = join(home, 'empty-project');
    await mkdir(empty);
    const run = await runCli(['sandbox', empty], { user: NOBODY, home });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(`spotrunner: ${empty} has no .gitlab-ci.yml\n`);
    expect(run.stdout).toBe('');
    expect(await sandboxTempDirs(home)).toEqual([]);
  });
});
