/** Turns `.gitlab-ci.yml` text into a CiConfig: jobs, stages, warnings and errors. */
import { checkNeedsCycles } from './check-needs-cycles.js';
import { DEFAULT_AUTO_CANCEL, parseAutoCancel } from './ci-auto-cancel.js';
import type { CiAutoCancel, CiConfig, CiJob, CiVariable } from './ci-config.js';
import { applyDefaults, DEFAULT_KEYWORDS, resolveExtends } from './ci-extends.js';
import { normalizeJob } from './ci-job.js';
import { expandParallel } from './ci-parallel.js';
import { parseVariables, type CiIssues } from './ci-parts.js';
import { resolveIncludes, type ReadLocalFile } from './ci-include.js';
import { resolveReferences } from './ci-reference.js';
import { evaluateRules, type RuleContext } from './ci-rules.js';
import { parseCiYamlDocuments } from './ci-yaml.js';
import {
  interpolateDocuments,
  interpolationMessage,
  interpolationVariables,
} from './ci-interpolate.js';
import { isMap, toStringList, type YamlMap } from './ci-values.js';
import { validateJobGraph } from './validate-job-graph.js';

export const DEFAULT_STAGES = ['build', 'test', 'deploy'] as const;

const GLOBAL_KEYS = new Set([
  'stages',
  'types',
  'variables',
  'default',
  'include',
  'workflow',
  'spec',
]);
/** Deprecated top-level forms of `default:` keywords. */
const GLOBAL_DEFAULTS = new Set<string>([
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
]);

export interface ParseCiOptions {
  /** Reads a file of the same commit for `include: local`; absent ⇒ includes are reported. */
  readLocalFile?: ReadLocalFile;
  /** The pipeline to evaluate `rules:` and `workflow:rules` for; absent ⇒ they are reported. */
  rules?: RuleContext;
  /** The commit's files for include wildcards when `rules` is absent (rules then stay unevaluated). */
  files?: readonly string[];
  /** Pipeline inputs for the `spec:inputs` of `.gitlab-ci.yml`, as text (`sandbox --input`). */
  inputs?: Readonly<Record<string, string>>;
}

/** GitLab's message when `workflow:rules` decide against a pipeline. */
export const FILTERED_BY_WORKFLOW = 'Pipeline filtered out by workflow rules.';

function splitTopLevel(
  root: YamlMap,
  issues: CiIssues,
): { jobs: Record<string, YamlMap>; defaults: YamlMap } {
  const jobs: Record<string, YamlMap> = {};
  const defaults: YamlMap = isMap(root.default) ? { ...root.default } : {};
  for (const [key, value] of Object.entries(root)) {
    if (GLOBAL_KEYS.has(key)) continue;
    if (GLOBAL_DEFAULTS.has(key)) {
      if (defaults[key] === undefined) defaults[key] = value;
      continue;
    }
    if (isMap(value)) jobs[key] = value;
    else if (!key.startsWith('.')) issues.errors.push(`root config contains unknown keys: ${key}`);
  }
  for (const key of Object.keys(defaults)) {
    if (!(DEFAULT_KEYWORDS as readonly string[]).includes(key)) {
      issues.errors.push(`default config contains unknown keys: ${key}`);
    }
  }
  if (root.spec !== undefined)
    issues.warnings.push(
      'spec: is a header only in a first document followed by ---; this one was ignored',
    );
  return { jobs, defaults };
}

interface WorkflowResult {
  variables: CiVariable[];
  autoCancel: CiAutoCancel;
}

/**
 * `workflow:`: its `rules` decide whether the pipeline is created; a matching rule's variables
 * join the global ones and its `auto_cancel` keys override `workflow:auto_cancel`.
 */
function applyWorkflow(
  value: unknown,
  globals: CiVariable[],
  ctx: RuleContext | undefined,
  issues: CiIssues,
): WorkflowResult | 'filtered' {
  const result: WorkflowResult = { variables: [], autoCancel: { ...DEFAULT_AUTO_CANCEL } };
  if (value === undefined || value === null) return result;
  if (!isMap(value)) {
    issues.errors.push('workflow config should be a hash');
    return result;
  }
  for (const key of Object.keys(value)) {
    if (key === 'rules' || key === 'auto_cancel') continue;
    if (key === 'name')
      issues.warnings.push(`workflow:${key} is not supported by the sandbox and was ignored`);
    else issues.errors.push(`workflow config contains unknown keys: ${key}`);
  }
  Object.assign(
    result.autoCancel,
    parseAutoCancel(value.auto_cancel, 'workflow:auto_cancel', issues),
  );
  if (value.rules === undefined) return result;
  if (!ctx) {
    issues.warnings.push('workflow:rules are not evaluated here; the pipeline is always created');
    return result;
  }
  const outcome = evaluateRules(value.rules, 'workflow', ctx, globals, 'always', issues);
  if (!outcome) return 'filtered';
  result.variables = outcome.variables;
  const ruleAutoCancel = parseAutoCancel(outcome.autoCancel, 'workflow:rules:auto_cancel', issues);
  Object.assign(result.autoCancel, ruleAutoCancel);
  return result;
}

function stagesOf(root: YamlMap): string[] {
  const declared = root.stages ?? root.types;
  const list = declared === undefined ? [...DEFAULT_STAGES] : toStringList(declared);
  return ['.pre', ...list.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
}

/**
 * The configuration as GitLab builds it before reading keywords: includes merged, `extends`
 * applied to every job (hidden ones too), then `!reference` tags resolved. Undefined after an
 * error that stops GitLab there.
 */
async function expandConfig(
  text: string,
  options: ParseCiOptions,
  issues: CiIssues,
): Promise<YamlMap | undefined> {
  const docs = parseCiYamlDocuments(text, issues);
  if (issues.errors.length > 0) return undefined;
  const interpolated = interpolateDocuments(docs, {
    args: options.inputs ?? {},
    textArgs: true,
    ...interpolationVariables(options.rules),
  });
  if (interpolated.errors) {
    issues.errors.push(interpolationMessage(interpolated.errors));
    return undefined;
  }
  const parsed = interpolated.content;
  const included = await resolveIncludes(
    parsed,
    {
      ...(options.readLocalFile ? { read: options.readLocalFile } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.files ? { files: options.files } : {}),
    },
    issues,
  );
  if (!included) return undefined;
  const jobs: Record<string, YamlMap> = {};
  for (const [key, value] of Object.entries(included)) {
    if (!GLOBAL_KEYS.has(key) && !GLOBAL_DEFAULTS.has(key) && isMap(value)) jobs[key] = value;
  }
  const extended = { ...included, ...resolveExtends(jobs, issues) };
  return resolveReferences(extended, issues);
}

/** Parses a CI configuration. Never throws for user mistakes: they land in `errors`. */
export async function parseCiConfig(text: string, options: ParseCiOptions = {}): Promise<CiConfig> {
  const issues: CiIssues = { warnings: [], errors: [] };
  const root = await expandConfig(text, options, issues);
  const stages = stagesOf(root ?? {});
  const failed = (): CiConfig => ({
    stages,
    variables: [],
    jobs: [],
    autoCancel: { ...DEFAULT_AUTO_CANCEL },
    ...issues,
  });
  if (!root) return failed();
  const variables = parseVariables(root.variables, 'variables', issues);
  const { jobs: rawJobs, defaults } = splitTopLevel(root, issues);
  const workflow = applyWorkflow(root.workflow, variables, options.rules, issues);
  if (workflow === 'filtered') {
    issues.errors.push(FILTERED_BY_WORKFLOW);
    return { ...failed(), variables };
  }
  variables.push(...workflow.variables);
  checkNeedsCycles(rawJobs, issues);
  const jobs: CiJob[] = [];
  for (const [name, raw] of Object.entries(rawJobs)) {
    if (name.startsWith('.')) continue;
    const full = applyDefaults(raw, defaults);
    for (const instance of expandParallel(name, full, issues)) {
      const job = normalizeJob(name, full, {
        globalVariables: variables,
        issues,
        ...(instance.name === name ? {} : { instance }),
        ...(options.rules ? { rules: options.rules } : {}),
      });
      if (job) jobs.push(job);
    }
  }
  if (jobs.length === 0 && issues.errors.length === 0) {
    issues.errors.push('jobs config should contain at least one visible job');
  }
  validateJobGraph(jobs, stages, issues);
  return {
    stages,
    variables,
    jobs,
    autoCancel: workflow.autoCancel,
    warnings: issues.warnings,
    errors: issues.errors,
  };
}
