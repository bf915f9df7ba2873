/**
 * GIT_CLONE_PATH, gitlab-runner's custom build directory (`common/build.go` getCustomBuildDir):
 * when set (after expansion), the job is cloned and run there instead of the default project
 * dir, if `[runners.custom_build_dir] enabled` allows it and the path lies within the builds
 * dir (`$CI_BUILDS_DIR`); otherwise the job fails with gitlab-runner's message.
 */
import { posix } from 'node:path';
import { valuePath } from './runtime-value.js';

export type CloneDirResult =
  { kind: 'default' } | { kind: 'custom'; projectDir: string } | { kind: 'error'; message: string };

const KEY = 'GIT_CLONE_PATH';

/** Go's %q for the strings that matter here (paths). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `$PWD/x`, `${PWD}/x`, `~/x`, `$HOME/x` and `/x` as [base, cleaned rest]. */
function splitBase(path: string): [string, string] | undefined {
  const m = /^(\$PWD|\$\{PWD\}|\$HOME|\$\{HOME\}|~)(\/.*)?$/.exec(path);
  if (m) {
    const base = m[1]!.includes('PWD') ? '$PWD' : '$HOME';
    return [base, posix.normalize(m[2] ?? '/')];
  }
  if (path.startsWith('/')) return ['/', posix.normalize(path)];
  return undefined;
}

/** Go's filepath.Rel for two cleaned absolute paths. */
function relative(root: string, target: string): string {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  const t = target.replace(/\/+$/, '') || '/';
  if (t === (r || '/')) return '.';
  if (t.startsWith(`${r}/`)) return t.slice(r.length + 1);
  return posix.relative(r || '/', t);
}

/**
 * Where GIT_CLONE_PATH puts the project. `clonePath` is the expanded value (it may start at an
 * instance-side base, see runtime-value.ts); `buildsDir` is the layout's builds dir.
 */
export function resolveCloneDir(
  clonePath: string,
  buildsDir: string,
  enabled: boolean,
): CloneDirResult {
  if (clonePath === '') return { kind: 'default' };
  if (!enabled) {
    return {
      kind: 'error',
      message: `setting ${KEY} is not allowed, enable \`custom_build_dir\` feature`,
    };
  }
  const dir = valuePath(clonePath);
  const target = splitBase(dir);
  const root = splitBase(buildsDir);
  if (!target || !root) {
    return { kind: 'error', message: `Rel: can't make ${dir} relative to ${buildsDir}` };
  }
  const inside = target[0] === root[0] && !relative(root[1], target[1]).startsWith('..');
  if (!inside) {
    return {
      kind: 'error',
      message: `the ${KEY}=${goQuote(dir)} has to be within ${goQuote(buildsDir)}`,
    };
  }
  const rest = target[1] === '/' ? '' : target[1].replace(/\/+$/, '');
  return { kind: 'custom', projectDir: target[0] === '/' ? rest || '/' : `${target[0]}${rest}` };
}
