/**
 * The diffs `rules:changes` look at, read from the project's bare repository the way GitLab
 * reads them for a push: before..after (both sides of a rename), and for `compare_to` the merge
 * base of that ref and the pipeline's commit..the commit.
 */
import type { ChangedFiles, ChangeSet } from '../ci/ci-changes.js';
import { runGit, type GitEnv } from './run-git.js';
import { ZERO_SHA } from './project-repo.js';

async function diffPaths(
  git: GitEnv,
  bareDir: string,
  from: string,
  to: string,
): Promise<string[]> {
  const out = await runGit(git, ['diff', '--name-only', '--no-renames', '-z', from, to], {
    cwd: bareDir,
  });
  return out.stdout.split('\0').filter((f) => f !== '');
}

async function commitOf(git: GitEnv, bareDir: string, ref: string): Promise<string | undefined> {
  if (ref === '' || ref.startsWith('-')) return undefined;
  const out = await runGit(git, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: bareDir,
    okCodes: [1, 128],
  });
  return out.code === 0 ? out.stdout.trim() : undefined;
}

export interface PushedCommit {
  sha: string;
  beforeSha: string;
  refType: 'branch' | 'tag';
}

/** The push's diff: every file matches for a tag, a new branch, or a commit without a parent. */
export async function pushedChanges(
  git: GitEnv,
  bareDir: string,
  push: PushedCommit,
): Promise<ChangeSet> {
  if (push.refType === 'tag' || push.beforeSha === ZERO_SHA) return 'all';
  return diffPaths(git, bareDir, push.beforeSha, push.sha);
}

/** Fills `since` for every ref in `changes.wanted` (then empties it). */
export async function addCompareTo(
  git: GitEnv,
  bareDir: string,
  sha: string,
  changes: ChangedFiles & { since: Map<string, ChangeSet | 'invalid'> },
): Promise<void> {
  for (const ref of changes.wanted) {
    const target = await commitOf(git, bareDir, ref);
    if (!target) {
      changes.since.set(ref, 'invalid');
      continue;
    }
    const base = await runGit(git, ['merge-base', target, sha], { cwd: bareDir, okCodes: [1] });
    const baseSha = base.stdout.trim();
    changes.since.set(ref, baseSha ? await diffPaths(git, bareDir, baseSha, sha) : 'all');
  }
  changes.wanted.clear();
}
