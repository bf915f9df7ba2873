import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { parseJobPayload, type JobPayload } from '../gitlab/job-payload.js';
import { parseCiConfig } from './ci/parse-ci-config.js';
import { DEFAULT_GIT_PATH } from './sandbox-options.js';
import { createSandboxServer, type SandboxServer } from './sandbox-server.js';
import { patchTrace, putJob, requestJob } from './testing/sandbox-harness.js';

const exec = promisify(execFile);
const DEMO = fileURLToPath(new URL('../../examples/demo-project', import.meta.url));

interface RunResult {
  code: number;
  output: string;
}

/** A minimal shell "executor": clone, restore cache/artifacts, run steps, save, upload. */
async function runJob(url: string, job: JobPayload, work: string): Promise<RunResult> {
  const dir = join(work, `job-${job.id}`);
  const env: Record<string, string> = {
    PATH: DEFAULT_GIT_PATH,
    HOME: work,
    GIT_TERMINAL_PROMPT: '0',
  };
  for (const v of job.variables) env[v.key] = v.value;
  await exec('git', ['clone', '--quiet', job.git_info.repo_url, dir], { env });
  await exec('git', ['checkout', '--quiet', job.git_info.sha], { cwd: dir, env });
  for (const dep of job.dependencies.filter((d) => d.artifacts_file)) {
    const res = await fetch(`${url}/api/v4/jobs/${dep.id}/artifacts`, {
      headers: { 'JOB-TOKEN': dep.token },
    });
    await writeFile(join(dir, 'dep.zip'), Buffer.from(await res.arrayBuffer()));
    await exec('unzip', ['-q', '-o', 'dep.zip'], { cwd: dir });
  }
  for (const cache of job.cache) {
    const saved = join(work, 'cache', cache.key);
    if (existsSync(saved)) await cp(saved, dir, { recursive: true });
  }
  let output = '';
  let code = 0;
  for (const step of job.steps) {
    if (step.when === 'on_success' && code !== 0) continue;
    try {
      const res = await exec('bash', ['-euo', 'pipefail', '-c', step.script.join('\n')], {
        cwd: dir,
        env,
      });
      output += res.stdout + res.stderr;
    } catch (err: unknown) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      output += (e.stdout ?? '') + (e.stderr ?? '');
      if (step.name === 'script') code = e.code ?? 1;
    }
  }
  for (const v of job.variables.filter((x) => x.masked))
    output = output.split(v.value).join('[MASKED]');
  for (const cache of job.cache) {
    for (const path of cache.paths) {
      if (existsSync(join(dir, path)))
        await cp(join(dir, path), join(work, 'cache', cache.key, path), { recursive: true });
    }
  }
  const archive = job.artifacts.find((a) => a.artifact_type === 'archive');
  if (archive && code === 0) {
    await exec('zip', ['-q', '-r', 'artifacts.zip', ...archive.paths], { cwd: dir });
    const form = new FormData();
    form.append('file', new Blob([await readFile(join(dir, 'artifacts.zip'))]), 'artifacts.zip');
    await fetch(`${url}/api/v4/jobs/${job.id}/artifacts`, {
      method: 'POST',
      headers: { 'JOB-TOKEN': job.token },
      body: form,
    });
  }
  return { code, output };
}

let server: SandboxServer | undefined;
let work: string | undefined;
afterEach(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('examples/demo-project', () => {
  it('has a CI configuration without errors or warnings', async () => {
    const config = await parseCiConfig(await readFile(join(DEMO, '.gitlab-ci.yml'), 'utf8'));
    expect(config.errors).toEqual([]);
    expect(config.warnings).toEqual([]);
    expect(config.jobs.find((j) => j.name === 'lint')?.allowFailure).toBe(true);
  });

  it('runs to "passed with warnings" with bash, git and zip, and never shows the masked secret', async () => {
    work = await mkdtemp(join(tmpdir(), 'sandbox-demo-'));
    await mkdir(join(work, 'cache'));
    server = createSandboxServer(
      { clock: new VirtualClock(), logger: silentLogger },
      { dataDir: join(work, 'data') },
    );
    const { url } = await server.start();
    const project = await server.createProject({ sourceDir: DEMO });
    const runner = server.createRunner({ description: 'demo' });
    const pipeline = await server.createPipeline(project.id);
    const secret = 'sandbox-secret-4f9c2a7e';
    for (let i = 0; i < 10; i++) {
      const res = await requestJob(url, runner.token);
      if (res.status !== 201) break;
      const parsed = parseJobPayload(res.json());
      if (!parsed.ok) throw new Error(parsed.reason);
      const job = parsed.job;
      await putJob(url, job.id, job.token, { state: 'running' });
      const result = await runJob(url, job, work);
      await patchTrace(url, job.id, job.token, 0, result.output);
      await putJob(url, job.id, job.token, {
        state: result.code === 0 ? 'success' : 'failed',
        ...(result.code === 0 ? {} : { failure_reason: 'script_failure', exit_code: result.code }),
      });
    }
    const done = server.pipeline(pipeline.id)!;
    expect(done.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'success'],
      ['test', 'success'],
      ['secret', 'success'],
      ['lint', 'failed'],
      ['deploy', 'success'],
    ]);
    expect(done).toMatchObject({ status: 'success', withWarnings: true });
    const secretJob = done.jobs.find((j) => j.name === 'secret')!;
    expect(server.trace(secretJob.id)).toContain('the secret is [MASKED]');
    for (const job of done.jobs) expect(server.trace(job.id)).not.toContain(secret);
    expect(server.trace(done.jobs.find((j) => j.name === 'test')!.id)).toContain(
      'test passed (run 1',
    );
  });
});
