/**
 * `rules:changes` and `only/except:changes` for a push pipeline, as GitLab evaluates them: the
 * files changed between the push's before and after commits (every file matches on a new
 * branch, a tag, or a commit without a parent), or with `compare_to` the files changed since the
 * merge base with that ref. Globs match as Ruby's `File.fnmatch?` with `FNM_PATHNAME |
 * FNM_DOTMATCH | FNM_EXTGLOB`; `$VARIABLES` in paths expand when they exist.
 */
import type { CiIssues } from './ci-parts.js';
import { isMap, scalarText, toStringList } from './ci-values.js';

/** Changed paths, or `all` when GitLab has no diff to look at (every glob matches). */
export type ChangeSet = readonly string[] | 'all';

/** What `changes` are evaluated against; built by whoever creates the pipeline. */
export interface ChangedFiles {
  /** The push's diff (before_sha..sha). */
  pushed: ChangeSet;
  /** Diffs since the merge base with each `compare_to` ref (as expanded); `invalid`: no such ref. */
  since: ReadonlyMap<string, ChangeSet | 'invalid'>;
  /** `compare_to` refs met that `since` lacks: compute them and evaluate again. */
  wanted: Set<string>;
  /** Set once a `changes` clause looked at `pushed`. */
  consulted?: boolean;
}

/** A rule clause that GitLab refuses while evaluating it (`Clause::ParseError`). */
export class ChangesRuleError extends Error {}

/** Work allowed for brace alternatives (`{a,b}{c,d}…` multiplies). */
const MAX_BRACE_PATTERNS = 1024;

class TooManyAlternatives extends Error {}

/** `{a,b}` alternatives (nested too) as plain patterns; too many: the glob taken literally. */
function expandBraces(glob: string): string[] {
  try {
    return expandBracesWithin(glob, { left: MAX_BRACE_PATTERNS });
  } catch (err: unknown) {
    if (!(err instanceof TooManyAlternatives)) throw err;
    return [glob.replace(/[{}]/g, '\\$&')];
  }
}

function expandBracesWithin(glob: string, budget: { left: number }): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{' && depth++ === 0) open = i;
    else if (c === '}' && depth > 0 && --depth === 0) {
      const parts: string[] = [];
      let level = 0;
      let start = open + 1;
      for (let j = open + 1; j < i; j++) {
        const d = glob[j];
        if (d === '\\') j++;
        else if (d === '{') level++;
        else if (d === '}') level--;
        else if (d === ',' && level === 0) {
          parts.push(glob.slice(start, j));
          start = j + 1;
        }
      }
      parts.push(glob.slice(start, i));
      const head = glob.slice(0, open);
      const tail = glob.slice(i + 1);
      return parts.flatMap((p) => expandBracesWithin(`${head}${p}${tail}`, budget));
    }
  }
  if (--budget.left < 0) throw new TooManyAlternatives();
  return [glob];
}

const escapeRegExp = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function bracketToRegExp(glob: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  for (let first = true; i < glob.length; i++, first = false) {
    const c = glob[i]!;
    if (c === ']' && !first) return { source: `(?!/)[${negate ? '^' : ''}${body}]`, end: i };
    if (c === '\\' && i + 1 < glob.length) body += escapeRegExp(glob[++i]!);
    else if (c === '-' && !first && glob[i + 1] !== ']') body += '-';
    else body += escapeRegExp(c);
  }
  return undefined;
}

/** One brace-free pattern as a RegExp with Ruby's fnmatch semantics for those flags. */
function patternToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const segmentStart = i === 0 || glob[i - 1] === '/';
    if (c === '*' && glob[i + 1] === '*' && glob[i + 2] === '/' && segmentStart) {
      out += '(?:[^/]*/)*';
      i += 2;
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const bracket = bracketToRegExp(glob, i);
      if (bracket) {
        out += bracket.source;
        i = bracket.end;
      } else out += '\\[';
    } else if (c === '\\' && i + 1 < glob.length) out += escapeRegExp(glob[++i]!);
    else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, 's');
}

/** `File.fnmatch?(glob, path, File::FNM_PATHNAME | File::FNM_DOTMATCH | File::FNM_EXTGLOB)`. */
export function fnmatch(glob: string, path: string): boolean {
  return expandBraces(glob).some((p) => patternToRegExp(p).test(path));
}

function anyMatches(changed: ChangeSet, globs: readonly string[]): boolean {
  if (changed === 'all') return true;
  const patterns = globs.flatMap((glob) => expandBraces(glob).map(patternToRegExp));
  return changed.some((path) => patterns.some((p) => p.test(path)));
}

/** GitLab's `ExpandVariables.expand`: unknown variables become empty. */
function expandAll(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(
    /\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z0-9_]+)%/g,
    (_whole, braced?: string, bare?: string, percent?: string) =>
      lookup(braced ?? bare ?? percent ?? '') ?? '',
  );
}

/**
 * `rules:changes` (a list of globs, or `paths` + `compare_to`). `globs` have their variables
 * expanded already. Throws ChangesRuleError for a `compare_to` that is not a ref.
 */
export function ruleChangesMatch(
  value: unknown,
  at: string,
  changes: ChangedFiles,
  expandGlob: (glob: string) => string,
  lookup: (name: string) => string | undefined,
  issues: CiIssues,
): boolean {
  if (isMap(value)) {
    const unknown = Object.keys(value).filter((k) => k !== 'paths' && k !== 'compare_to');
    if (unknown.length > 0) {
      issues.errors.push(`${at}:changes config contains unknown keys: ${unknown.join(', ')}`);
      return false;
    }
  }
  const globs = toStringList(isMap(value) ? value.paths : value).map(expandGlob);
  const compareTo = isMap(value) ? value.compare_to : undefined;
  if (compareTo === undefined || compareTo === null) {
    changes.consulted = true;
    return anyMatches(changes.pushed, globs);
  }
  const ref = expandAll(scalarText(compareTo), lookup);
  const since = changes.since.get(ref);
  if (since === undefined) {
    changes.wanted.add(ref);
    return true;
  }
  if (since === 'invalid')
    throw new ChangesRuleError('rules:changes:compare_to is not a valid ref');
  return anyMatches(since, globs);
}

/** `only:changes` / `except:changes`: the push's diff, globs as written. */
export function policyChangesMatch(value: unknown, changes: ChangedFiles): boolean {
  changes.consulted = true;
  return anyMatches(changes.pushed, toStringList(value));
}
