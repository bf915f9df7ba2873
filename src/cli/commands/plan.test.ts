import { Command } from 'commander';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { UserError } from '../../platform/errors.js';
import {
  gitlabJobJson,
  startGitlabDouble,
  type GitlabDouble,
} from '../../plan/import/testing/gitlab-double.js';
import { registerPlanCommand, type PlanCommandDeps } from './plan.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const deps: PlanCommandDeps = {
    env: { HOME: dir, ...env },
    stdout,
    stderr,
    cwd: dir,
    loadConfig,
  };
  const program = new Command('spotrunner')
    .exitOverride()
    .configureOutput({ writeErr: (s) => stderr.write(s) });
  registerPlanCommand(program, deps);
  await program.parseAsync(['node', 'spotrunner', 'plan', ...args]);
  return { stdout: stdout.text, stderr: stderr.text };
}

const SMALL = ['--synthetic', 'jobs=60,cpu-hours=1,days=2,seed=3'];

describe('spotrunner plan', () => {
  it('runs the bundled seed-002 example without a config and explains it against $2–5/month', async () => {
    const { stdout } = await run([]);
    expect(stdout).toContain('spotrunner plan: seed-002.csv');
    expect(stdout).toContain('1,682 jobs over 14 days');
    expect(stdout).toContain('t4g.medium spot in us-east-1');
    expect(stdout).toMatch(
      /(within|above|below) the expected \$2\.00–\$5\.00\/month \(seed 002 projection\)/,
    );
  });

  it('prints JSON with --json and writes a self-contained HTML page with --html', async () => {
    const html = join(dir, 'plan.html');
    const { stdout } = await run([
      ...SMALL,
      '--json',
      '--html',
      html,
      '--instance-type',
      'c7g.large',
    ]);
    const json = JSON.parse(stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ jobs: 60, instanceType: 'c7g.large', region: 'us-east-1' });
    expect(json).toHaveProperty('waitSeconds.p95');
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('sweeps the given settings and recommends one', async () => {
    const { stdout, stderr } = await run([
      ...SMALL,
      '--sweep',
      'idle_time=1m,20m',
      '--sweep',
      'capacity=1,2',
      '--wait-target',
      '90s',
    ]);
    expect(stdout).toContain('sweep: 4 setting(s) replayed');
    expect(stdout).toContain('recommendation (p95 wait target 90 s)');
    expect(stderr).toContain('sweep 4/4: idle_time=20m capacity=2');
  });

  it('writes the history it used as contract CSV', async () => {
    const out = join(dir, 'h.csv');
    await run([...SMALL, '--export-history', out]);
    const csv = await readFile(out, 'utf8');
    expect(csv.split('\n')[0]).toBe('queued_at,duration_s,tags,project');
    expect(csv.trim().split('\n')).toHaveLength(61);
  });

  it('imports from GitLab with the token from --token-env', async () => {
    const gitlab: GitlabDouble = await startGitlabDouble('glpat-cli', [
      {
        id: 5,
        path: 'team/app',
        jobs: Array.from({ length: 30 }, (_, i) =>
          gitlabJobJson(
            i + 1,
            new Date(Date.parse('2026-05-04T08:00:00Z') + i * 600_000).toISOString(),
            120,
          ),
        ),
      },
    ]);
    try {
      const { stdout, stderr } = await run(
        [
          '--config',
          join(process.cwd(), 'examples/plan-seed-002.toml'),
          '--gitlab-url',
          gitlab.url,
          '--project',
          'team/app',
          '--token-env',
          'MY_TOKEN',
          '--json',
        ],
        { MY_TOKEN: 'glpat-cli' },
      );
      expect((JSON.parse(stdout) as { jobs: number }).jobs).toBe(30);
      expect(stderr).toContain('importing team/app');
      expect(stderr).not.toContain('glpat-cli');
    } finally {
      await gitlab.close();
    }
  });

  it("replays one runner's share of the history with --runner-tags, over the whole span", async () => {
    // Seed 002's layout: most jobs untagged on t4g.medium, mutation/integration tests tagged for
    // a c7g.large runner.
    const rows = ['queued_at,duration_s,tags,project'];
    for (let day = 0; day < 14; day++) {
      for (let i = 0; i < 6; i++) {
        const at = new Date(Date.UTC(2026, 4, 4 + day, 9 + i)).toISOString();
        rows.push(`${at},120,,g/app`);
      }
      rows.push(`${new Date(Date.UTC(2026, 4, 4 + day, 15)).toISOString()},900,c7g.large,g/app`);
    }
    const csv = join(dir, 'tagged.csv');
    await writeFile(csv, rows.join('\n') + '\n');
    const config = join(process.cwd(), 'examples/plan-seed-002.toml');
    const plan = async (...extra: string[]) =>
      JSON.parse(
        (await run(['--config', config, '--history', csv, '--json', ...extra])).stdout,
      ) as { jobs: number; costPerMonthUsd: number; span: Record<string, unknown> };
    const all = await plan();
    const large = await plan('--runner-tags', 'c7g.large', '--no-run-untagged');
    const small = await plan('--runner-tags', 'docker', '--instance-type', 't4g.medium');
    expect([all.jobs, large.jobs, small.jobs]).toEqual([98, 14, 84]);
    expect(large.span).toMatchObject({
      days: 14,
      runnerTags: ['c7g.large'],
      runUntagged: false,
      jobsForOtherRunners: 84,
    });
    expect(all.span).not.toHaveProperty('runnerTags');
    expect(large.costPerMonthUsd).toBeGreaterThan(0);
    expect(large.costPerMonthUsd).toBeLessThan(all.costPerMonthUsd);
    const text = (await run(['--config', config, '--history', csv, '--runner-tags', 'c7g.large']))
      .stdout;
    expect(text).toContain(
      'jobs for a runner with [c7g.large] (untagged jobs taken); 0 other job(s) left to other runners',
    );
    await expect(
      run(['--config', config, '--history', csv, '--runner-tags', 'gpu', '--no-run-untagged']),
    ).rejects.toThrow('tags in the history: c7g.large');
  });

  it('reports user mistakes as UserError (exit code 2 in the CLI main)', async () => {
    await expect(run(['--history', 'a.csv', ...SMALL])).rejects.toThrow(UserError);
    await expect(run(['--config', 'nope.toml', ...SMALL])).rejects.toThrow(UserError);
    await expect(run([...SMALL, '--instance-type', 'x9.huge'])).rejects.toThrow(
      /no prices for instance type x9\.huge/,
    );
    await expect(run(['--history', 'missing.csv'])).rejects.toThrow(
      /missing\.csv: cannot read history/,
    );
    await expect(run([...SMALL, '--gitlab-url', 'http://x'])).rejects.toThrow(UserError);
    await expect(
      run(['--gitlab-url', 'http://127.0.0.1:1', '--project', 'a', '--token-env', 'UNSET']),
    ).rejects.toThrow('--token-env UNSET: the variable is not set');
  });
});
