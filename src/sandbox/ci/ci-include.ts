/**
 * `include:` as GitLab processes it for a push: local files of the same commit (single paths,
 * `*`/`**` wildcards, leading `/` or not), kept or dropped by `include:rules`, nested includes
 * merged first, then the files in order, then the including file on top (a deep merge). The
 * same file may be included more than once; every inclusion counts towards GitLab's limit of
 * 150, which is also what stops an include loop. `project`, `remote`, `template`, `component`
 * and `artifact` includes cannot be fetched by the sandbox: they are reported and skipped.
 * GitLab stops at the first include problem and shows only its message; so does the sandbox.
 */
import type { CiIssues } from './ci-parts.js';
import {
  IncludeError,
  mapIncludes,
  type IncludeLocation,
  type LocationContext,
} from './ci-include-location.js';
import type { RuleContext } from './ci-rules.js';
import { deepMerge, isMap, type YamlMap } from './ci-values.js';
import { parseCiYamlDocuments } from './ci-yaml.js';
import {
  interpolateDocuments,
  interpolationMessage,
  interpolationVariables,
} from './ci-interpolate.js';

export type ReadLocalFile = (path: string) => Promise<string | undefined>;

/** GitLab's default `ci_max_includes`. */
export const MAX_INCLUDES = 150;

const YAML_EXTENSION = /.+\.(yml|yaml)$/i;

export interface IncludeOptions {
  /** Reads a file of the pipeline's commit; absent ⇒ local includes are reported, not read. */
  read?: ReadLocalFile;
  /** Variables and files for `include:rules`, wildcards and `$VARIABLES` in locations. */
  rules?: RuleContext;
  /** The commit's files for `*` wildcards when `rules` is absent. */
  files?: readonly string[];
}

interface State {
  options: IncludeOptions;
  issues: CiIssues;
  count: number;
}

async function loadLocal(location: IncludeLocation, state: State): Promise<YamlMap | undefined> {
  const raw = location.params.local;
  if (typeof raw !== 'string')
    throw new IncludeError(`Included file \`${JSON.stringify(raw)}\` needs to be a string`);
  const path = raw.replace(/^\/+/, '');
  if (!YAML_EXTENSION.test(path.split('/').pop() ?? ''))
    throw new IncludeError(`Included file \`${path}\` does not have YAML extension!`);
  const read = state.options.read;
  if (!read) {
    state.issues.warnings.push(`include ${path}: includes cannot be read here and were ignored`);
    return undefined;
  }
  const text = await read(path);
  if (text === undefined) throw new IncludeError(`Local file \`${path}\` does not exist!`);
  if (text.trim() === '') throw new IncludeError(`Local file \`${path}\` is empty!`);
  const fileIssues: CiIssues = { warnings: state.issues.warnings, errors: [] };
  const docs = parseCiYamlDocuments(text, fileIssues, path);
  if (fileIssues.errors.length > 0) throw new IncludeError(fileIssues.errors[0]);
  const args = location.params.inputs;
  if (args !== undefined && args !== null && !isMap(args))
    throw new IncludeError('include:inputs config should be a hash');
  const interpolated = interpolateDocuments(docs, {
    args: args ?? {},
    ...interpolationVariables(state.options.rules),
  });
  if (interpolated.errors)
    throw new IncludeError(`\`${path}\`: ${interpolationMessage(interpolated.errors)}`);
  const content = interpolated.content;
  if (Object.keys(content).length === 0)
    throw new IncludeError(`Included file \`${path}\` does not have valid YAML syntax!`);
  return expandLevel(content, state, path);
}

function reportUnsupported(location: IncludeLocation, issues: CiIssues): void {
  const what = location.params[location.kind];
  const name = typeof what === 'string' ? what : JSON.stringify(what);
  issues.warnings.push(
    `include ${location.kind} ${name}: ${location.kind} includes are not supported by the sandbox and were ignored`,
  );
}

async function expandLevel(values: YamlMap, state: State, parentFile?: string): Promise<YamlMap> {
  if (!('include' in values)) return values;
  const { include, ...rest } = values;
  const ctx: LocationContext = {
    issues: state.issues,
    ...(state.options.rules ? { rules: state.options.rules } : {}),
    ...(parentFile !== undefined ? { parentFile } : {}),
    ...(state.options.files ? { files: state.options.files } : {}),
  };
  const locations = mapIncludes(include, ctx);
  let merged: YamlMap = {};
  for (const location of locations) {
    state.count++;
    if (state.count > MAX_INCLUDES)
      throw new IncludeError(`Maximum of ${MAX_INCLUDES} nested includes are allowed!`);
    if (location.kind !== 'local') {
      reportUnsupported(location, state.issues);
      continue;
    }
    const content = await loadLocal(location, state);
    if (content) merged = deepMerge(merged, content);
  }
  return deepMerge(merged, rest);
}

/** Merges every included file under the including one; undefined after an include error. */
export async function resolveIncludes(
  root: YamlMap,
  options: IncludeOptions,
  issues: CiIssues,
): Promise<YamlMap | undefined> {
  try {
    const merged = await expandLevel(root, { options, issues, count: 0 });
    return isMap(merged) ? merged : undefined;
  } catch (err: unknown) {
    if (!(err instanceof IncludeError)) throw err;
    issues.errors.push(err.message);
    return undefined;
  }
}
