/**
 * The bare repository behind a sandbox project: imported from a directory (mirrored when it is a
 * git repository, else one commit of its files), plus the reads pipelines need.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../platform/errors.js';
import { runGit, type GitEnv } from './run-git.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface ImportOptions {
  sourceDir: string;
  bareDir: string;
  /** Commit time for a directory snapshot. */
  nowMs: number;
  message: string;
}

export interface ImportResult {
  defaultBranch: string;
  mirrored: boolean;
}

function isGitRepository(dir: string): boolean {
  return (
    existsSync(join(dir, '.git')) ||
    (existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')))
  );
}

export async function importRepository(git: GitEnv, options: ImportOptions): Promise<ImportResult> {
  const { sourceDir, bareDir } = options;
  if (!existsSync(sourceDir))
    throw new UserError(`project directory ${sourceDir} does not exist`, 'not_found');
  await mkdir(dirname(bareDir), { recursive: true });
  await rm(bareDir, { recursive: true, force: true });
  if (isGitRepository(sourceDir)) {
    await runGit(git, ['clone', '--mirror', '--quiet', sourceDir, bareDir]);
    const head = await runGit(git, ['symbolic-ref', '--short', 'HEAD'], {
      cwd: bareDir,
      okCodes: [1, 128],
    });
    return { defaultBranch: head.stdout.trim() || 'main', mirrored: true };
  }
  await runGit(git, ['init', '--bare', '--quiet', '--initial-branch=main', bareDir]);
  const date = `${Math.floor(options.nowMs / 1000)} +0000`;
  const env = {
    GIT_DIR: bareDir,
    GIT_WORK_TREE: sourceDir,
    GIT_INDEX_FILE: join(bareDir, 'sandbox-import-index'),
    GIT_AUTHOR_NAME: 'Sandbox User',
    GIT_AUTHOR_EMAIL: 'sandbox@spotrunner.invalid',
    GIT_COMMITTER_NAME: 'Sandbox User',
    GIT_COMMITTER_EMAIL: 'sandbox@spotrunner.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  await runGit(git, ['add', '-A', '.'], { cwd: sourceDir, env });
  const tree = (await runGit(git, ['write-tree'], { cwd: sourceDir, env })).stdout.trim();
  const commit = (
    await runGit(git, ['commit-tree', tree, '-m', options.message], { cwd: sourceDir, env })
  ).stdout.trim();
  await runGit(git, ['update-ref', 'refs/heads/main', commit], { cwd: bareDir });
  await rm(env.GIT_INDEX_FILE, { force: true });
  return { defaultBranch: 'main', mirrored: false };
}

export interface ResolvedRef {
  ref: string;
  refType: 'branch' | 'tag';
  sha: string;
}

async function revParse(git: GitEnv, bareDir: string, spec: string): Promise<string | undefined> {
  const out = await runGit(git, ['rev-parse', '--verify', '--quiet', `${spec}^{commit}`], {
    cwd: bareDir,
    okCodes: [1, 128],
  });
  return out.code === 0 ? out.stdout.trim() : undefined;
}

/** Resolves a branch or tag name to its commit; throws UserError when unknown. */
export async function resolveRef(git: GitEnv, bareDir: string, ref: string): Promise<ResolvedRef> {
  const branch = await revParse(git, bareDir, `refs/heads/${ref}`);
  if (branch) return { ref, refType: 'branch', sha: branch };
  const tag = await revParse(git, bareDir, `refs/tags/${ref}`);
  if (tag) return { ref, refType: 'tag', sha: tag };
  throw new UserError(`reference ${ref} does not exist in the project repository`, 'not_found');
}

export async function parentSha(git: GitEnv, bareDir: string, sha: string): Promise<string> {
  return (await revParse(git, bareDir, `${sha}^`)) ?? ZERO_SHA;
}

export async function commitMessage(git: GitEnv, bareDir: string, sha: string): Promise<string> {
  return (await runGit(git, ['log', '-1', '--format=%B', sha], { cwd: bareDir })).stdout.trimEnd();
}

export interface CommitDetails {
  /** `Name <email>` (`CI_COMMIT_AUTHOR`). */
  author: string;
  /** The committer date in ISO 8601, UTC (`CI_COMMIT_TIMESTAMP`, Ruby's `xmlschema`). */
  timestamp: string;
}

export async function commitDetails(
  git: GitEnv,
  bareDir: string,
  sha: string,
): Promise<CommitDetails> {
  const out = await runGit(git, ['log', '-1', '--format=%an%x00%ae%x00%ct', sha], { cwd: bareDir });
  const [name = '', email = '', seconds = '0'] = out.stdout.trim().split('\0');
  const timestamp = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return { author: `${name} <${email}>`, timestamp };
}

/** An annotated tag's message (`CI_COMMIT_TAG_MESSAGE`); empty for a lightweight tag. */
export async function tagMessage(git: GitEnv, bareDir: string, tag: string): Promise<string> {
  const out = await runGit(git, ['for-each-ref', '--format=%(contents)', `refs/tags/${tag}`], {
    cwd: bareDir,
  });
  return out.stdout.trimEnd();
}

/** A file's content at a commit, or undefined when it does not exist there. */
export async function readFileAt(
  git: GitEnv,
  bareDir: string,
  sha: string,
  path: string,
): Promise<string | undefined> {
  const out = await runGit(git, ['cat-file', 'blob', `${sha}:${path}`], {
    cwd: bareDir,
    okCodes: [1, 128],
  });
  return out.code === 0 ? out.stdout : undefined;
}

/** Every file path in a commit (for `rules:exists`). */
export async function listFilesAt(git: GitEnv, bareDir: string, sha: string): Promise<string[]> {
  const out = await runGit(git, ['ls-tree', '-r', '-z', '--name-only', sha], { cwd: bareDir });
  return out.stdout.split('\0').filter((f) => f !== '');
}

/** `refs/pipelines/<id>`, which the first refspec of every job fetches. */
export async function createPipelineRef(
  git: GitEnv,
  bareDir: string,
  pipelineId: number,
  sha: string,
): Promise<void> {
  await runGit(git, ['update-ref', `refs/pipelines/${pipelineId}`, sha], { cwd: bareDir });
}

/** `cache:key:files`: a hash of the last commits that changed the files, with optional prefix. */
export async function filesCacheKey(
  git: GitEnv,
  bareDir: string,
  sha: string,
  files: readonly string[],
  prefix?: string,
): Promise<string> {
  const commits: string[] = [];
  for (const file of files) {
    const out = await runGit(git, ['log', '-1', '--format=%H', sha, '--', file], { cwd: bareDir });
    if (out.stdout.trim()) commits.push(out.stdout.trim());
  }
  const body =
    commits.length > 0 ? createHash('sha1').update(commits.join('')).digest('hex') : 'default';
  return prefix ? `${prefix}-${body}` : body;
}
