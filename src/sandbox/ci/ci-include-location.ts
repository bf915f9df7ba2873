/**
 * One level of `include:` entries turned into locations, as GitLab's include mapper does:
 * strings become `local` (or `remote` for a URL), `rules` keep or drop an entry, `local`
 * wildcards expand against the commit's files, `$VARIABLES` expand, and each entry must name
 * exactly one kind of file.
 */
import { checkCiExpression, CiExpressionError } from './ci-expression.js';
import type { CiIssues } from './ci-parts.js';
import { CiReference } from './ci-reference.js';
import { lookupIn, ruleMatches, type RuleContext } from './ci-rules.js';
import { isMap, scalarText, type YamlMap } from './ci-values.js';

/** An include problem: GitLab stops at the first one and shows only its message. */
export class IncludeError extends Error {}

export const INCLUDE_KINDS = [
  'local',
  'project',
  'remote',
  'template',
  'artifact',
  'component',
] as const;
export type IncludeKind = (typeof INCLUDE_KINDS)[number];

export interface IncludeLocation {
  kind: IncludeKind;
  params: YamlMap;
}

export interface LocationContext {
  rules?: RuleContext;
  /** The local file whose `include:` this is; a wildcard never includes that file itself. */
  parentFile?: string;
  /** The commit's files for wildcards when `rules` are not evaluated (image discovery). */
  files?: readonly string[];
  issues: CiIssues;
}

const VARIABLE =
  /\$([a-zA-Z_][a-zA-Z0-9_]*)|\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|%([a-zA-Z_][a-zA-Z0-9_]*)%/g;

/** `$VAR`, `${VAR}` and `%VAR%` from project, pipeline and predefined variables; unknown → "". */
function expand(text: string, ctx: LocationContext): string {
  if (!ctx.rules) return text;
  const lookup = lookupIn(ctx.rules, []);
  return text.replace(VARIABLE, (_m, a?: string, b?: string, c?: string) => {
    return lookup((a ?? b ?? c)!) ?? '';
  });
}

function normalize(entry: unknown, ctx: LocationContext): YamlMap {
  if (typeof entry === 'string') {
    const location = expand(entry, ctx);
    return /^https?:\/\/\S+$/.test(location) ? { remote: location } : { local: location };
  }
  if (isMap(entry)) return entry;
  if (entry instanceof CiReference)
    throw new IncludeError(
      `Each include must be a hash or a string (!reference in ${entry.where})`,
    );
  throw new IncludeError('Each include must be a hash or a string');
}

function checkIncludeRules(rules: unknown): Record<string, unknown>[] {
  if (!Array.isArray(rules) || rules.length === 0) {
    throw new IncludeError(
      Array.isArray(rules)
        ? "include:rules config can't be blank"
        : 'include:rules config should be a array',
    );
  }
  return (rules as unknown[]).map((rule) => {
    if (!isMap(rule)) throw new IncludeError('include:rules:rule config should be a hash');
    const unknown = Object.keys(rule).filter(
      (k) => !['if', 'exists', 'when', 'changes'].includes(k),
    );
    if (unknown.length > 0)
      throw new IncludeError(
        `include:rules:rule config contains unknown keys: ${unknown.join(', ')}`,
      );
    if (
      rule.when !== undefined &&
      rule.when !== null &&
      !['never', 'always'].includes(scalarText(rule.when))
    )
      throw new IncludeError(`include:rules:rule when unknown value: ${scalarText(rule.when)}`);
    if (rule.if !== undefined && rule.if !== null) {
      try {
        if (typeof rule.if !== 'string') throw new CiExpressionError('not a string');
        checkCiExpression(rule.if);
      } catch (err: unknown) {
        if (!(err instanceof CiExpressionError)) throw err;
        throw new IncludeError(`include:rules:rule if invalid expression syntax (${err.message})`);
      }
    }
    return rule;
  });
}

/** `include:rules`: the first matching rule decides; none matching drops the entry. */
function passesRules(location: YamlMap, ctx: LocationContext): boolean {
  if (location.rules === undefined || location.rules === null) return true;
  const rules = checkIncludeRules(location.rules);
  if (!ctx.rules) {
    ctx.issues.warnings.push('include rules are not evaluated here; the file is included');
    return true;
  }
  const lookup = lookupIn(ctx.rules, []);
  const matched = rules.find((rule) =>
    ruleMatches(rule, 'include:rules:rule', ctx.rules!, lookup, ctx.issues),
  );
  return matched !== undefined && matched.when !== 'never';
}

/** GitLab's wildcard: `**` is anything (slashes too), `*` anything but a slash. */
export function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\*]/g, '\\$&');
  const source = escaped.replace(/\\\*\\\*/g, '.*?').replace(/\\\*/g, '[^/]*?');
  return new RegExp(`^${source}$`, 's');
}

function expandWildcard(location: YamlMap, ctx: LocationContext): YamlMap[] {
  const local = location.local;
  if (typeof local !== 'string' || !local.includes('*')) return [location];
  const files = ctx.rules?.files ?? ctx.files;
  if (!files) {
    ctx.issues.warnings.push(`include ${local}: wildcards cannot be expanded here; ignored`);
    return [];
  }
  const pattern = wildcardToRegExp(local.replace(/^\/+/, ''));
  return files
    .filter((path) => pattern.test(path) && path !== ctx.parentFile)
    .map((path) => ({ ...location, local: path }));
}

function expandValues(location: YamlMap, ctx: LocationContext): YamlMap {
  const out: YamlMap = {};
  for (const [key, value] of Object.entries(location)) {
    if (key === 'rules' || key === 'inputs') out[key] = value;
    else if (typeof value === 'string') out[key] = expand(value, ctx);
    else if (Array.isArray(value)) out[key] = value.map((v) => expand(String(v), ctx));
    else out[key] = value;
  }
  return out;
}

function match(location: YamlMap): IncludeLocation {
  const present = INCLUDE_KINDS.filter((k) => {
    const v = location[k];
    return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
  });
  const subkeys = `\`${INCLUDE_KINDS.join('`, `')}\``;
  if (present.length === 1) return { kind: present[0]!, params: location };
  if (present.length === 0) {
    throw new IncludeError(
      `\`${JSON.stringify(location)}\` does not have a valid subkey for include. Valid subkeys are: ${subkeys}`,
    );
  }
  throw new IncludeError(`Each include must use only one of: ${subkeys}`);
}

/** The locations one `include:` value stands for, in order. Throws IncludeError. */
export function mapIncludes(include: unknown, ctx: LocationContext): IncludeLocation[] {
  const entries = (Array.isArray(include) ? (include as unknown[]) : [include]).filter(
    (e) => e !== null && e !== undefined,
  );
  return entries
    .map((entry) => normalize(entry, ctx))
    .filter((location) => passesRules(location, ctx))
    .flatMap((location) => expandWildcard(location, ctx))
    .map((location) => match(expandValues(location, ctx)));
}
