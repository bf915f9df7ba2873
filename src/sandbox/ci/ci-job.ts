/** Normalizes one resolved job map into a CiJob, reporting every keyword it cannot honour. */
import { CI_WHEN_VALUES, type CiJob, type CiVariable, type CiWhen } from './ci-config.js';
import { parseCommands } from './ci-commands.js';
import { parseCiDurationS } from './ci-duration.js';
import { inheritedVariableFilter } from './ci-extends.js';
import {
  parseAllowFailure,
  parseArtifacts,
  parseCache,
  parseImage,
  parseNeeds,
  parseRetry,
  parseServices,
  parseVariables,
  type CiIssues,
} from './ci-parts.js';
import { evaluateRules, onlyExceptAllows, type RuleContext, type RuleOutcome } from './ci-rules.js';
import type { ParallelInstance } from './ci-parallel.js';
import { isMap, toStringList, type YamlMap } from './ci-values.js';

const SUPPORTED = new Set([
  'stage',
  'script',
  'before_script',
  'after_script',
  'image',
  'services',
  'variables',
  'artifacts',
  'cache',
  'dependencies',
  'needs',
  'tags',
  'timeout',
  'retry',
  'allow_failure',
  'when',
  'hooks',
  'inherit',
  'parallel',
  'rules',
  'only',
  'except',
]);

/** Valid GitLab keywords the sandbox does not implement: reported, never silently dropped. */
const UNSUPPORTED: Record<string, string> = {
  environment: 'environment is not supported by the sandbox and was ignored',
  coverage: 'coverage is not supported by the sandbox and was ignored',
  release: 'release is not supported by the sandbox and was ignored',
  secrets: 'secrets are not supported by the sandbox and were ignored',
  id_tokens: 'id_tokens are not supported by the sandbox and were ignored',
  resource_group: 'resource_group is not supported by the sandbox and was ignored',
  start_in: 'start_in is not supported by the sandbox; the job is not delayed',
  interruptible: 'interruptible has no effect in the sandbox (no auto-cancel)',
  pages: 'pages is not supported by the sandbox and was ignored',
  dast_configuration: 'dast_configuration is not supported by the sandbox and was ignored',
  identity: 'identity is not supported by the sandbox and was ignored',
  manual_confirmation: 'manual_confirmation is not supported by the sandbox and was ignored',
  publish: 'publish is not supported by the sandbox and was ignored',
  run: 'run (CI steps) is not supported by the sandbox and was ignored',
  trigger: 'trigger jobs are not supported by the sandbox; the job was not created',
  type: 'type is deprecated; use stage',
};

function parseWhen(value: unknown, where: string, issues: CiIssues): CiWhen {
  if (value === undefined || value === null) return 'on_success';
  if (typeof value === 'string' && (CI_WHEN_VALUES as readonly string[]).includes(value)) {
    return value as CiWhen;
  }
  issues.errors.push(`${where}:when config should be one of: ${CI_WHEN_VALUES.join(', ')}`);
  return 'on_success';
}

function reportKeywords(raw: YamlMap, where: string, issues: CiIssues): void {
  const unknown: string[] = [];
  for (const key of Object.keys(raw)) {
    if (SUPPORTED.has(key)) continue;
    const note = UNSUPPORTED[key];
    if (note) issues.warnings.push(`${where}: ${note}`);
    else unknown.push(key);
  }
  if (unknown.length > 0)
    issues.errors.push(`${where} config contains unknown keys: ${unknown.join(', ')}`);
}

function hookScripts(
  raw: YamlMap,
  name: 'pre_get_sources_script' | 'post_get_sources_script',
  where: string,
  issues: CiIssues,
): string[] {
  return isMap(raw.hooks) ? parseCommands(raw.hooks[name], `${where}:hooks:${name}`, issues) : [];
}

export interface JobContext {
  globalVariables: CiVariable[];
  /** Which of the jobs a `parallel` definition becomes; absent for a plain job. */
  instance?: ParallelInstance;
  issues: CiIssues;
  /** The pipeline `rules:` are evaluated for; without it they are reported and not evaluated. */
  rules?: RuleContext;
}

/**
 * `rules:` (or `only:`/`except:`) of a job: a rule's outcome, `null` when the job is not
 * created, undefined when nothing changes the job's own settings.
 */
function jobRules(
  raw: YamlMap,
  where: string,
  ctx: JobContext,
  jobVariables: CiVariable[],
): RuleOutcome | null | undefined {
  if (raw.rules === undefined) {
    if (raw.only === undefined && raw.except === undefined) return undefined;
    if (!ctx.rules) {
      ctx.issues.warnings.push(
        `${where}: only/except are not evaluated here; the job is always created`,
      );
      return undefined;
    }
    return onlyExceptAllows(raw, where, ctx.rules, jobVariables, ctx.issues) ? undefined : null;
  }
  for (const key of ['only', 'except'] as const) {
    if (raw[key] !== undefined)
      ctx.issues.errors.push(`${where} config key may not be used with \`rules\`: ${key}`);
  }
  if (!ctx.rules) {
    ctx.issues.warnings.push(`${where}: rules are not evaluated here; the job is always created`);
    return undefined;
  }
  const defaultWhen = parseWhen(raw.when, where, ctx.issues);
  return evaluateRules(raw.rules, where, ctx.rules, jobVariables, defaultWhen, ctx.issues) ?? null;
}

/** What a job's `rules:` see besides the pipeline's: its own predefined variables. */
function withJobVariables(
  rules: RuleContext,
  name: string,
  raw: YamlMap,
  instance?: ParallelInstance,
): RuleContext {
  const job: Record<string, string> = {
    CI_JOB_NAME: name,
    CI_JOB_STAGE: typeof raw.stage === 'string' ? raw.stage : 'test',
    CI_NODE_TOTAL: String(instance?.nodeTotal ?? 1),
  };
  if (instance?.nodeIndex !== undefined) job.CI_NODE_INDEX = String(instance.nodeIndex);
  return { ...rules, predefined: { ...rules.predefined, ...job } };
}

/**
 * Returns undefined for jobs the sandbox does not create (`trigger`, `when: never`). With
 * `ctx.instance`, the job is that instance of a `parallel` definition named `definition`.
 */
export function normalizeJob(definition: string, raw: YamlMap, ctx: JobContext): CiJob | undefined {
  const { issues, instance } = ctx;
  const name = instance?.name ?? definition;
  const where = `jobs:${name}`;
  reportKeywords(raw, where, issues);
  if (raw.trigger !== undefined) return undefined;
  const inherits = inheritedVariableFilter(raw);
  const variables = [
    ...ctx.globalVariables.filter((v) => inherits(v.key)),
    ...parseVariables(raw.variables, where, issues),
    ...(instance?.variables ?? []),
  ];
  const ruleCtx = ctx.rules
    ? { ...ctx, rules: withJobVariables(ctx.rules, name, raw, instance) }
    : ctx;
  const rule = jobRules(raw, where, ruleCtx, variables);
  if (rule === null) return undefined;
  const when = rule?.when ?? parseWhen(raw.when, where, issues);
  if (when === 'never') return undefined;
  if (when === 'manual') {
    issues.warnings.push(
      `${where}: when: manual is not supported by the sandbox; the job will be skipped`,
    );
  }
  if (when === 'delayed')
    issues.warnings.push(`${where}: when: delayed runs without delay in the sandbox`);
  const script = parseCommands(raw.script, `${where}:script`, issues);
  if (raw.script === undefined || raw.script === null)
    issues.errors.push(`${where} config should implement the script: or a trigger: keyword`);
  const allow = parseAllowFailure(raw.allow_failure, where, issues);
  const job: CiJob = {
    name,
    stage: typeof raw.stage === 'string' ? raw.stage : 'test',
    services: parseServices(raw.services, where, issues),
    variables: [...variables, ...(rule?.variables ?? [])],
    beforeScript: parseCommands(raw.before_script, `${where}:before_script`, issues),
    script,
    afterScript: parseCommands(raw.after_script, `${where}:after_script`, issues),
    preGetSourcesScript: hookScripts(raw, 'pre_get_sources_script', where, issues),
    postGetSourcesScript: hookScripts(raw, 'post_get_sources_script', where, issues),
    cache: parseCache(raw.cache, where, issues),
    tags: toStringList(raw.tags),
    retry: parseRetry(raw.retry, where, issues),
    allowFailure:
      rule?.allowFailure ??
      (allow.allowFailure || (when === 'manual' && raw.allow_failure === undefined && !rule)),
    // `rules:allow_failure` (true or false) drops `allow_failure:exit_codes`, as GitLab does.
    allowFailureExitCodes: rule?.allowFailure === undefined ? allow.exitCodes : [],
    when,
  };
  if (instance?.nodeTotal !== undefined) {
    job.nodeIndex = instance.nodeIndex ?? 1;
    job.nodeTotal = instance.nodeTotal;
    job.parallelGroup = definition;
  }
  const image = parseImage(raw.image, where, issues);
  if (image) job.image = image;
  const artifacts = parseArtifacts(raw.artifacts, where, issues);
  if (artifacts) job.artifacts = artifacts;
  if (raw.dependencies !== undefined) job.dependencies = toStringList(raw.dependencies);
  const needs = parseNeeds(raw.needs, where, issues);
  if (needs) job.needs = needs;
  if (raw.timeout !== undefined) {
    const timeoutS = parseCiDurationS(raw.timeout as string | number);
    if (timeoutS === undefined) issues.errors.push(`${where}:timeout config should be a duration`);
    else job.timeoutS = timeoutS;
  }
  return job;
}
