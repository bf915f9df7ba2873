/**
 * The GIT_* variables gitlab-runner honours, read once from the job's variables
 * (`common/build.go`: GetGitStrategy, GetGitCheckout, GetSubmoduleStrategy, GetGitCleanFlags…).
 */
import type { ScriptContext } from './script-context.js';

export type GitStrategy = 'clone' | 'fetch' | 'none';
export type SubmoduleStrategy = 'none' | 'normal' | 'recursive' | 'invalid';

export interface GitSettings {
  strategy: GitStrategy;
  checkout: boolean;
  depth: number;
  cleanFlags: string[];
  fetchFlags: string[];
  submoduleStrategy: SubmoduleStrategy;
  submodulePaths: string[];
  submoduleDepth: number;
  submoduleUpdateFlags: string[];
  lfsSmudgeDisabled: boolean;
  /** Remote URL without credentials, and the credentials it carried. */
  remote: { url: string; username?: string; password?: string };
}

export function readGitSettings(ctx: ScriptContext): GitSettings {
  const v = (key: string): string => ctx.vars.value(key).trim();
  const strategyValue = v('GIT_STRATEGY');
  const strategy: GitStrategy =
    strategyValue === 'clone' || strategyValue === 'fetch' || strategyValue === 'none'
      ? strategyValue
      : ctx.job.allow_git_fetch
        ? 'fetch'
        : 'clone';
  const checkoutValue = v('GIT_CHECKOUT');
  const submoduleValue = v('GIT_SUBMODULE_STRATEGY');
  const submoduleDepth = Number.parseInt(v('GIT_SUBMODULE_DEPTH'), 10);
  return {
    strategy,
    checkout: strategy !== 'none' && !isFalse(checkoutValue),
    depth: ctx.job.git_info.depth,
    cleanFlags: flags(v('GIT_CLEAN_FLAGS'), '-ffdx'),
    fetchFlags: flags(v('GIT_FETCH_EXTRA_FLAGS'), '--prune --quiet'),
    submoduleStrategy:
      strategy === 'none' || submoduleValue === '' || submoduleValue === 'none'
        ? 'none'
        : submoduleValue === 'normal' || submoduleValue === 'recursive'
          ? submoduleValue
          : 'invalid',
    submodulePaths: words(v('GIT_SUBMODULE_PATHS')),
    submoduleDepth: Number.isNaN(submoduleDepth) ? ctx.job.git_info.depth : submoduleDepth,
    submoduleUpdateFlags: words(v('GIT_SUBMODULE_UPDATE_FLAGS')),
    lfsSmudgeDisabled: ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v('GIT_LFS_SKIP_SMUDGE')),
    remote: remoteOf(ctx),
  };
}

function isFalse(value: string): boolean {
  return ['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value);
}

function words(value: string): string[] {
  return value.split(/\s+/).filter((w) => w !== '');
}

function flags(value: string, fallback: string): string[] {
  if (value === '') return words(fallback);
  if (value === 'none') return [];
  return words(value);
}

/**
 * The clone URL (runner `clone_url` overrides the payload's host, as gitlab-runner's
 * GetRemoteURL), split into a credential-free URL and its credentials, so the job token never
 * appears in a command line or in `.git/config`.
 */
function remoteOf(ctx: ScriptContext): GitSettings['remote'] {
  let raw = ctx.job.git_info.repo_url;
  const cloneUrl = ctx.runner.cloneUrl;
  if (cloneUrl && /^https?:\/\//.test(cloneUrl)) {
    const u = new URL(cloneUrl);
    u.username = 'gitlab-ci-token';
    u.password = ctx.job.token;
    const path = ctx.vars.value('CI_PROJECT_PATH');
    u.pathname = `${u.pathname.replace(/\/+$/, '')}/${path}.git`;
    raw = u.toString();
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (url.username === '' && url.password === '') return { url: raw };
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), username, password };
}
