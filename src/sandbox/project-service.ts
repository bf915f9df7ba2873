/** Project import and pipeline creation: git reads, CI parsing, job records. */
import { join } from 'node:path';
import type { Clock } from '../platform/clock.js';
import { UserError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { CiJob } from './ci/ci-config.js';
import { parseCiConfig } from './ci/parse-ci-config.js';
import type { RuleContext } from './ci/ci-rules.js';
import type { ChangedFiles, ChangeSet } from './ci/ci-changes.js';
import { addCompareTo, pushedChanges } from './git/changed-files.js';
import {
  commitDetails,
  commitMessage,
  createPipelineRef,
  filesCacheKey,
  importRepository,
  listFilesAt,
  parentSha,
  readFileAt,
  resolveRef,
  tagMessage,
} from './git/project-repo.js';
import type { GitEnv } from './git/run-git.js';
import { newJobRecord } from './model/job-factory.js';
import { ruleVariables } from './model/predefined-variables.js';
import type { PipelineRecord, ProjectRecord } from './model/records.js';
import type { SandboxEngine } from './model/sandbox-engine.js';
import type { SandboxStore } from './model/sandbox-store.js';
import { resolveProjectSettings, type CreateProjectOptions } from './project-config.js';
import type { SandboxSettings } from './sandbox-options.js';

export interface CreatePipelineOptions {
  /** Branch or tag; default the project's default branch. */
  ref?: string;
  /** Pipeline variables (highest precedence). */
  variables?: Record<string, string>;
  /** Values for the `spec:inputs` of `.gitlab-ci.yml`, as text (read as the declared types). */
  inputs?: Record<string, string>;
}

export interface ProjectServiceDeps {
  clock: Clock;
  logger: Logger;
  store: SandboxStore;
  engine: SandboxEngine;
  settings: SandboxSettings;
  git: GitEnv;
}

export class ProjectService {
  readonly #deps: ProjectServiceDeps;

  constructor(deps: ProjectServiceDeps) {
    this.#deps = deps;
  }

  reposDir(): string {
    return join(this.#deps.settings.dataDir, 'repos');
  }

  async createProject(options: CreateProjectOptions): Promise<ProjectRecord> {
    const { store, clock, git, settings } = this.#deps;
    const project = resolveProjectSettings(options);
    const path = `${project.namespace}/${project.name}`;
    if ([...store.projects.values()].some((p) => p.path === path)) {
      throw new UserError(`project ${path} already exists in the sandbox`, 'usage');
    }
    const repoDir = join(this.reposDir(), `${path}.git`);
    const imported = await importRepository(git, {
      sourceDir: options.sourceDir,
      bareDir: repoDir,
      nowMs: clock.now(),
      message: `Import ${project.name} into the spotrunner sandbox`,
    });
    const record: ProjectRecord = {
      id: store.nextId('project'),
      name: project.name,
      namespace: project.namespace,
      path,
      repoDir,
      defaultBranch: imported.defaultBranch,
      variables: project.variables,
      timeoutS: options.timeoutS ?? settings.projectTimeoutS,
      gitDepth: options.gitDepth ?? settings.gitDepth,
      createdAtMs: clock.now(),
    };
    store.projects.set(record.id, record);
    this.#deps.logger.info(
      { projectId: record.id, path, mirrored: imported.mirrored },
      'project created',
    );
    return record;
  }

  async createPipeline(
    projectId: number,
    options: CreatePipelineOptions = {},
  ): Promise<PipelineRecord> {
    const { store, clock, git, engine } = this.#deps;
    const project = store.projects.get(projectId);
    if (!project) throw new UserError(`project ${projectId} does not exist`, 'not_found');
    const resolved = await resolveRef(git, project.repoDir, options.ref ?? project.defaultBranch);
    const read = (path: string): Promise<string | undefined> =>
      readFileAt(git, project.repoDir, resolved.sha, path);
    const text = await read('.gitlab-ci.yml');
    const details = await commitDetails(git, project.repoDir, resolved.sha);
    const commit = {
      ...resolved,
      commitMessage: await commitMessage(git, project.repoDir, resolved.sha),
      commitAuthor: details.author,
      commitTimestamp: details.timestamp,
      ...(resolved.refType === 'tag'
        ? { tagMessage: await tagMessage(git, project.repoDir, resolved.ref) }
        : {}),
    };
    const beforeSha = await parentSha(git, project.repoDir, resolved.sha);
    const changes: ChangedFiles & { since: Map<string, ChangeSet | 'invalid'> } = {
      pushed: await pushedChanges(git, project.repoDir, { ...resolved, beforeSha }),
      since: new Map<string, ChangeSet | 'invalid'>(),
      wanted: new Set<string>(),
    };
    const rules: RuleContext = {
      predefined: ruleVariables(project, commit),
      overrides: {
        ...Object.fromEntries(project.variables.map((v) => [v.key, v.value])),
        ...options.variables,
      },
      files: text === undefined ? [] : await listFilesAt(git, project.repoDir, resolved.sha),
      changes,
      masked: project.variables.filter((v) => v.masked).map((v) => v.key),
    };
    const parseOptions = {
      readLocalFile: read,
      rules,
      ...(options.inputs ? { inputs: options.inputs } : {}),
    };
    let config = text === undefined ? undefined : await parseCiConfig(text, parseOptions);
    // `changes:compare_to` refs are known once rules are read: diff them and read again (an
    // include kept by such a rule may name another ref, hence the few rounds).
    for (let round = 0; text !== undefined && changes.wanted.size > 0 && round < 5; round++) {
      await addCompareTo(git, project.repoDir, resolved.sha, changes);
      config = await parseCiConfig(text, parseOptions);
    }
    if (config && changes.consulted && changes.pushed === 'all' && resolved.refType === 'branch')
      config.warnings.push(
        'changes: the commit has no parent (the project directory is not a git repository, or this is its first commit), so every changes rule matches, as for a new branch in GitLab',
      );
    const pipeline: PipelineRecord = {
      id: store.nextId('pipeline'),
      iid: [...store.pipelines.values()].filter((p) => p.projectId === projectId).length + 1,
      projectId,
      ...commit,
      beforeSha,
      status: 'created',
      withWarnings: false,
      autoCancelOnJobFailure: config?.autoCancel.onJobFailure ?? 'none',
      variables: Object.entries(options.variables ?? {}).map(([key, value]) => ({
        key,
        value,
        raw: false,
      })),
      warnings: config?.warnings ?? [],
      errors: config?.errors ?? ['Missing CI config file (.gitlab-ci.yml)'],
      jobIds: [],
      createdAtMs: clock.now(),
    };
    store.pipelines.set(pipeline.id, pipeline);
    await createPipelineRef(git, project.repoDir, pipeline.id, pipeline.sha);
    if (!config || pipeline.errors.length > 0) {
      pipeline.status = 'failed';
      pipeline.finishedAtMs = clock.now();
      return pipeline;
    }
    // GitLab creates a pipeline's jobs stage by stage, in `stages:` order.
    const stageIndex = (spec: CiJob): number => config.stages.indexOf(spec.stage);
    const ordered = [...config.jobs].sort((a, b) => stageIndex(a) - stageIndex(b));
    for (const spec of ordered) {
      const job = newJobRecord({
        id: store.nextId('job'),
        pipelineId: pipeline.id,
        projectId,
        spec: await this.#resolveCacheKeys(project, pipeline.sha, spec),
        stageIndex: stageIndex(spec),
        nowMs: clock.now(),
        traceSecrets: [this.#deps.settings.registrationToken],
      });
      store.addJob(job);
    }
    engine.process(pipeline.id);
    this.#deps.logger.info(
      { pipelineId: pipeline.id, jobs: config.jobs.length },
      'pipeline created',
    );
    return pipeline;
  }

  async #resolveCacheKeys(project: ProjectRecord, sha: string, spec: CiJob): Promise<CiJob> {
    if (spec.cache.every((c) => c.key.kind === 'literal')) return spec;
    const cache = [];
    for (const c of spec.cache) {
      if (c.key.kind === 'literal') {
        cache.push(c);
        continue;
      }
      const value = await filesCacheKey(
        this.#deps.git,
        project.repoDir,
        sha,
        c.key.files,
        c.key.prefix,
      );
      cache.push({ ...c, key: { kind: 'literal' as const, value } });
    }
    return { ...spec, cache };
  }
}
