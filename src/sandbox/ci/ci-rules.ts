/**
 * `rules:` of jobs and of `workflow:`, evaluated when the pipeline is created, as GitLab does:
 * the first rule whose clauses all match decides (`when`, `allow_failure`, `variables`); when no
 * rule matches, the job (or the pipeline) is not created. `if` is a CI expression; `exists` is
 * checked against the commit's files; `changes` against the push's diff (ci-changes.ts), or
 * always matching, with a warning, where no diff is given (image discovery).
 */
import {
  ChangesRuleError,
  policyChangesMatch,
  ruleChangesMatch,
  type ChangedFiles,
} from './ci-changes.js';
import { CI_WHEN_VALUES, type CiVariable, type CiWhen } from './ci-config.js';
import { CiExpressionError, evaluateCiExpression, patternOf } from './ci-expression.js';
import { parseVariables, type CiIssues } from './ci-parts.js';
import { checkRules } from './ci-rules-check.js';
import { isMap, toStringList } from './ci-values.js';

/** What rules are evaluated against, from the pipeline being created. */
export interface RuleContext {
  /** Predefined variables of the pipeline (`CI_COMMIT_BRANCH`, `CI_PIPELINE_SOURCE`, …). */
  predefined: Readonly<Record<string, string>>;
  /** Project and pipeline variables: they win over `.gitlab-ci.yml` variables. */
  overrides: Readonly<Record<string, string>>;
  /** Every file path in the commit, for `exists`. */
  files: readonly string[];
  /** Keys of masked variables (`expand_vars` refuses them). */
  masked?: readonly string[];
  /** The push's changed files for `changes`; absent ⇒ `changes` match, with a warning. */
  changes?: ChangedFiles;
}

export interface RuleOutcome {
  when: CiWhen;
  allowFailure?: boolean;
  variables: CiVariable[];
  /** `workflow:rules:auto_cancel` of the matching rule, as written. */
  autoCancel?: unknown;
}

const RULE_KEYS = new Set([
  'if',
  'changes',
  'exists',
  'when',
  'allow_failure',
  'variables',
  'needs',
  'start_in',
  'interruptible',
]);

/** A glob as `exists` reads it (`*`, `**`, `?`, `{a,b}`; `*` does not cross `/`). */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    // An unbalanced brace: match the text as it is.
    return new RegExp(`^${glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
}

/**
 * `ExpandVariables.expand_existing`: `$VAR`, `${VAR}` and `%VAR%` of variables that exist are
 * replaced; others stay as written.
 */
export function expandExisting(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(
    /\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z0-9_]+)%/g,
    (whole, braced?: string, bare?: string, percent?: string) =>
      lookup(braced ?? bare ?? percent ?? '') ?? whole,
  );
}

function existsMatches(
  value: unknown,
  ctx: RuleContext,
  lookup: (name: string) => string | undefined,
): boolean {
  const globs = toStringList(isMap(value) ? value.paths : value).map((g) =>
    expandExisting(g, lookup),
  );
  const patterns = globs.map((g) => globToRegExp(g.replace(/^\.?\//, '')));
  return ctx.files.some((f) => patterns.some((p) => p.test(f)));
}

export function lookupIn(
  ctx: RuleContext,
  yaml: readonly CiVariable[],
): (name: string) => string | undefined {
  const fromYaml = new Map(yaml.map((v) => [v.key, v.value]));
  return (name) => ctx.overrides[name] ?? fromYaml.get(name) ?? ctx.predefined[name];
}

/**
 * Evaluates `rules` (the raw YAML list). `yamlVariables` are the `.gitlab-ci.yml` variables the
 * expressions also see (global, and the job's own). Undefined: no rule matched, or one matched
 * with `when: never`.
 */
export function evaluateRules(
  value: unknown,
  where: string,
  ctx: RuleContext,
  yamlVariables: readonly CiVariable[],
  defaultWhen: CiWhen,
  issues: CiIssues,
): RuleOutcome | undefined {
  const rules = checkRules(value, where, issues);
  if (!rules) return undefined;
  const lookup = lookupIn(ctx, yamlVariables);
  for (const [index, rule] of rules.entries()) {
    const at = `${where}:rules:${index}`;
    if (!isMap(rule)) {
      issues.errors.push(`${at} config should be a hash`);
      return undefined;
    }
    // `auto_cancel` is a key of `workflow:rules` only.
    const unknown = Object.keys(rule).filter(
      (k) => !RULE_KEYS.has(k) && !(k === 'auto_cancel' && where === 'workflow'),
    );
    if (unknown.length > 0) {
      issues.errors.push(`${at} config contains unknown keys: ${unknown.join(', ')}`);
      return undefined;
    }
    if (!ruleMatches(rule, at, ctx, lookup, issues)) continue;
    const when = rule.when ?? defaultWhen;
    if (typeof when !== 'string' || !(CI_WHEN_VALUES as readonly string[]).includes(when)) {
      issues.errors.push(`${at}:when config should be one of: ${CI_WHEN_VALUES.join(', ')}`);
      return undefined;
    }
    if (when === 'never') return undefined;
    for (const key of ['needs', 'start_in', 'interruptible'] as const) {
      if (rule[key] !== undefined)
        issues.warnings.push(
          `${at}: ${key} in rules is not supported by the sandbox and was ignored`,
        );
    }
    const outcome: RuleOutcome = {
      when: when as CiWhen,
      variables: parseVariables(rule.variables, at, issues),
    };
    if (typeof rule.allow_failure === 'boolean') outcome.allowFailure = rule.allow_failure;
    if (rule.auto_cancel !== undefined) outcome.autoCancel = rule.auto_cancel;
    return outcome;
  }
  return undefined;
}

export function ruleMatches(
  rule: Record<string, unknown>,
  at: string,
  ctx: RuleContext,
  lookup: (name: string) => string | undefined,
  issues: CiIssues,
): boolean {
  if (rule.if !== undefined) {
    if (typeof rule.if !== 'string') {
      issues.errors.push(`${at}:if config should be a string`);
      return false;
    }
    try {
      if (!evaluateCiExpression(rule.if, lookup)) return false;
    } catch (err: unknown) {
      if (!(err instanceof CiExpressionError)) throw err;
      issues.errors.push(`${at}:if invalid expression syntax: ${err.message}`);
      return false;
    }
  }
  if (rule.exists !== undefined && !existsMatches(rule.exists, ctx, lookup)) return false;
  if (rule.changes === undefined) return true;
  if (!ctx.changes) {
    issues.warnings.push(
      `${at}: changes is treated as matching by the sandbox (no push to compare against)`,
    );
    return true;
  }
  const expandGlob = (glob: string): string => expandExisting(glob, lookup);
  try {
    return ruleChangesMatch(rule.changes, at, ctx.changes, expandGlob, lookup, issues);
  } catch (err: unknown) {
    if (!(err instanceof ChangesRuleError)) throw err;
    const owner = at.replace(/^jobs:/, '').replace(/:rules:\d+$/, '');
    issues.errors.push(`Failed to parse rule for ${owner}: ${err.message}`);
    return false;
  }
}

/** `only:refs` keywords and the pipeline sources they stand for. */
const SOURCE_KEYWORDS: Record<string, string> = {
  api: 'api',
  chats: 'chat',
  external: 'external',
  external_pull_requests: 'external_pull_request_event',
  merge_requests: 'merge_request_event',
  pipelines: 'pipeline',
  pushes: 'push',
  schedules: 'schedule',
  triggers: 'trigger',
  web: 'web',
};

function refMatches(entry: string, ctx: RuleContext, at: string, issues: CiIssues): boolean {
  const p = ctx.predefined;
  if (entry === 'branches') return p.CI_COMMIT_BRANCH !== undefined;
  if (entry === 'tags') return p.CI_COMMIT_TAG !== undefined;
  const source = SOURCE_KEYWORDS[entry];
  if (source !== undefined) return p.CI_PIPELINE_SOURCE === source;
  const ref = p.CI_COMMIT_REF_NAME ?? '';
  // `name@group/project` limits a ref to one project: the sandbox has only the pipeline's own.
  const name = entry.replace(/@[^@/]+\/.+$/, '');
  try {
    const pattern = patternOf(name);
    return pattern ? pattern.test(ref) : name === ref;
  } catch (err: unknown) {
    if (!(err instanceof CiExpressionError)) throw err;
    issues.errors.push(`${at}:refs ${err.message}`);
    return false;
  }
}

/**
 * Whether `only:`/`except:` let the job into the pipeline. Each is a list of refs or a hash
 * of `refs`, `variables`, `changes`; the keys of one are ANDed, the entries of a key ORed, and
 * `except` excludes when its whole expression matches. No `only` means `[branches, tags]`.
 */
export function onlyExceptAllows(
  raw: Record<string, unknown>,
  where: string,
  ctx: RuleContext,
  yamlVariables: readonly CiVariable[],
  issues: CiIssues,
): boolean {
  const lookup = lookupIn(ctx, yamlVariables);
  const matches = (value: unknown, key: 'only' | 'except'): boolean => {
    const spec = isMap(value) ? value : { refs: value };
    for (const k of Object.keys(spec)) {
      if (!['refs', 'variables', 'changes', 'kubernetes'].includes(k))
        issues.errors.push(`${where}:${key} config contains unknown keys: ${k}`);
    }
    if (spec.kubernetes !== undefined)
      issues.warnings.push(`${where}:${key}:kubernetes is not supported by the sandbox`);
    if (spec.changes !== undefined && !ctx.changes)
      issues.warnings.push(`${where}:${key}:changes is treated as matching by the sandbox`);
    if (spec.changes !== undefined && ctx.changes && !policyChangesMatch(spec.changes, ctx.changes))
      return false;
    if (
      spec.refs !== undefined &&
      !toStringList(spec.refs).some((r) => refMatches(r, ctx, `${where}:${key}`, issues))
    )
      return false;
    if (spec.variables === undefined) return true;
    return toStringList(spec.variables).some((expr) => {
      try {
        return evaluateCiExpression(expr, lookup);
      } catch (err: unknown) {
        if (!(err instanceof CiExpressionError)) throw err;
        issues.errors.push(`${where}:${key}:variables invalid expression syntax: ${err.message}`);
        return false;
      }
    });
  };
  const only = raw.only ?? ['branches', 'tags'];
  if (!matches(only, 'only')) return false;
  return raw.except === undefined || !matches(raw.except, 'except');
}
