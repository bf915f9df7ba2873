/**
 * Job payloads, runner configs and script contexts for executor tests, built through the real
 * payload schema so defaults match what GitLab-sent jobs get.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledRunner } from '../../config/types.js';
import { jobPayloadSchema, type JobPayload } from '../../gitlab/job-payload.js';
import { createScriptContext, type ScriptContext } from '../script/script-context.js';
import { compileSelfFleet } from '../../config/compile-fleet.js';

export const JOB_TOKEN = 'glcbt-64_TESTjobTOKEN0123456789';

export interface JobSpec {
  id?: number;
  script?: string[];
  afterScript?: string[];
  variables?: { key: string; value: string; masked?: boolean; file?: boolean; raw?: boolean }[];
  repoUrl?: string;
  sha?: string;
  ref?: string;
  refspecs?: string[];
  depth?: number;
  timeoutSeconds?: number;
  allowGitFetch?: boolean;
  artifacts?: Record<string, unknown>[];
  cache?: Record<string, unknown>[];
  dependencies?: Record<string, unknown>[];
  hooks?: { name: string; script: string[] }[];
  extraSteps?: Record<string, unknown>[];
}

export function makeJob(spec: JobSpec = {}): JobPayload {
  const id = spec.id ?? 4242;
  const timeout = spec.timeoutSeconds ?? 3600;
  const steps: Record<string, unknown>[] = [
    { name: 'script', script: spec.script ?? ['echo hello'], timeout, when: 'on_success' },
    ...(spec.extraSteps ?? []),
  ];
  if (spec.afterScript) {
    steps.push({
      name: 'after_script',
      script: spec.afterScript,
      timeout,
      when: 'always',
      allow_failure: true,
    });
  }
  return jobPayloadSchema.parse({
    id,
    token: JOB_TOKEN,
    allow_git_fetch: spec.allowGitFetch ?? false,
    job_info: { id, name: 'unit-tests', stage: 'test', project_id: 17, project_name: 'widget' },
    git_info: {
      repo_url:
        spec.repoUrl ??
        'https://gitlab-ci-token:' + JOB_TOKEN + '@gitlab.example.com/acme/widget.git',
      ref: spec.ref ?? 'main',
      sha: spec.sha ?? '0123456789abcdef0123456789abcdef01234567',
      ref_type: 'branch',
      refspecs: spec.refspecs ?? [],
      depth: spec.depth ?? 0,
    },
    runner_info: { timeout },
    variables: [
      { key: 'CI_JOB_ID', value: String(id), public: true, masked: false },
      { key: 'CI_JOB_TOKEN', value: JOB_TOKEN, public: false, masked: true },
      { key: 'CI_PROJECT_PATH', value: 'acme/widget', public: true, masked: false },
      { key: 'GIT_STRATEGY', value: 'none', public: true, masked: false },
      ...(spec.variables ?? []).map((v) => ({ public: false, masked: false, ...v })),
    ],
    steps,
    hooks: spec.hooks ?? [],
    artifacts: spec.artifacts ?? [],
    cache: spec.cache ?? [],
    dependencies: spec.dependencies ?? [],
    features: {
      trace_sections: true,
      failure_reasons: ['script_failure', 'runner_system_failure'],
    },
  });
}

export function makeRunner(overrides: Partial<CompiledRunner> = {}): CompiledRunner {
  return {
    index: 0,
    name: 'test-runner',
    url: 'https://gitlab.example.com',
    token: 'glrt-t1_t9Wkyj-HGRkqQxyz',
    executor: 'instance',
    limit: 0,
    requestConcurrency: 1,
    unhealthyRequestsLimit: 3,
    unhealthyIntervalMs: 3_600_000,
    outputLimitBytes: 4 * 1024 * 1024,
    environment: [],
    shell: 'bash',
    debugTraceDisabled: false,
    spotrunner: {
      interruptionMode: 'rerun',
      maxReruns: 1,
      rerunOnFallback: false,
      orphanGraceMs: 0,
      instanceStartTimeoutMs: 1_200_000,
    },
    fleet: compileSelfFleet(1, 1_200_000),
    ...overrides,
  };
}

export function makeScriptContext(
  job: JobPayload,
  options: {
    runner?: CompiledRunner;
    gitlabUrl?: string;
    slot?: number;
    customBuildDir?: boolean;
  } = {},
): ScriptContext {
  return createScriptContext({
    job,
    runner: options.runner ?? makeRunner(),
    gitlabUrl: options.gitlabUrl ?? 'https://gitlab.example.com',
    layout: {
      buildsDir: 'builds',
      cacheDir: 'cache',
      sharedBuildsDir: true,
      shortToken: 't9Wkyj-HG',
      concurrentId: options.slot ?? 0,
      concurrentProjectId: options.slot ?? 0,
    },
    customBuildDir: options.customBuildDir ?? false,
    predefined: {
      jobTimeoutSeconds: job.runner_info.timeout,
      sharedEnvironment: true,
      runnerVersion: 'test',
      runnerRevision: 'abc',
      arch: 'amd64',
    },
  });
}

/** A fresh directory under the OS temp dir, and its removal. */
export function makeTempDir(prefix = 'spotrunner-exec-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs git with a fixed identity; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  const identity = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];
  return execFileSync('git', [...identity, '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}
