/** Turns `.gitlab-ci.yml` text into a CiConfig: jobs, stages, warnings and errors. */
import type { CiConfig, CiJob } from './ci-config.js';
import { applyDefaults, DEFAULT_KEYWORDS, resolveExtends } from './ci-extends.js';
import { expandParallel, normalizeJob } from './ci-job.js';
import { parseVariables, type CiIssues } from './ci-parts.js';
import { resolveIncludes, type ReadLocalFile } from './ci-include.js';
import { parseCiYaml } from './ci-yaml.js';
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
}

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
  if (root.workflow !== undefined) {
    issues.warnings.push(
      'workflow is not evaluated by the sandbox; the pipeline is always created',
    );
  }
  if (root.spec !== undefined)
    issues.warnings.push('spec:inputs are not supported by the sandbox and were ignored');
  return { jobs, defaults };
}

function stagesOf(root: YamlMap): string[] {
  const declared = root.stages ?? root.types;
  const list = declared === undefined ? [...DEFAULT_STAGES] : toStringList(declared);
  return ['.pre', ...list.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
}

/** Parses a CI configuration. Never throws for user mistakes: they land in `errors`. */
export async function parseCiConfig(text: string, options: ParseCiOptions = {}): Promise<CiConfig> {
  const issues: CiIssues = { warnings: [], errors: [] };
  const parsed = parseCiYaml(text, issues);
  const root = await resolveIncludes(parsed, options.readLocalFile, issues);
  const stages = stagesOf(root);
  const variables = parseVariables(root.variables, 'variables', issues);
  const { jobs: rawJobs, defaults } = splitTopLevel(root, issues);
  const resolved = resolveExtends(rawJobs, issues);
  const jobs: CiJob[] = [];
  for (const [name, raw] of Object.entries(resolved)) {
    if (name.startsWith('.')) continue;
    const full = applyDefaults(raw, defaults);
    const job = normalizeJob(name, full, { globalVariables: variables, issues });
    if (job) jobs.push(...expandParallel(job, full, issues));
  }
  if (jobs.length === 0 && issues.errors.length === 0) {
    issues.errors.push('jobs config should contain at least one visible job');
  }
  validateJobGraph(jobs, stages, issues);
  return { stages, variables, jobs, warnings: issues.warnings, errors: issues.errors };
}
