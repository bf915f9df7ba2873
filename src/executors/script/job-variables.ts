/**
 * The variables a job's scripts see, in gitlab-runner's precedence: predefined runner values,
 * the runner's `environment`, the job's own variables (last definition wins), then the
 * runner-identity variables. The runner's own values (the build and project dirs, the
 * concurrent ids, CI_JOB_STATUS and the identity) always win: a job or the `environment`
 * cannot redefine them. Values expand on the manager, as gitlab-runner's `Variables.Expand`
 * does (see variable-expansion.ts): only from these variables, never from the instance's
 * environment, and scripts export the results literally.
 */
import type { JobPayload } from '../../gitlab/job-payload.js';
import type { BuildLayout } from './build-layout.js';
import { pathValue, plainValue, valuePath, valueWord } from './runtime-value.js';
import { shellPath } from './shell-quote.js';
import { expandVariables } from './variable-expansion.js';

export interface ScriptVariable {
  key: string;
  value: string;
  /** Written to a file; the variable holds the file's path. */
  file: boolean;
  /** Never expanded. */
  raw: boolean;
  masked: boolean;
}

export interface PredefinedVariablesOptions {
  jobTimeoutSeconds: number;
  /** CI_SHARED_ENVIRONMENT (shell, instance) vs CI_DISPOSABLE_ENVIRONMENT (docker). */
  sharedEnvironment: boolean;
  runnerVersion: string;
  runnerRevision: string;
  arch: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables only the runner sets; a job or the runner's `environment` cannot redefine them. */
export const RUNNER_OWNED_KEYS: ReadonlySet<string> = new Set([
  'CI_BUILDS_DIR',
  'CI_PROJECT_DIR',
  'CI_CONCURRENT_ID',
  'CI_CONCURRENT_PROJECT_ID',
  'CI_JOB_STATUS',
  'CI_SHARED_ENVIRONMENT',
  'CI_DISPOSABLE_ENVIRONMENT',
  'CI_RUNNER_VERSION',
  'CI_RUNNER_REVISION',
  'CI_RUNNER_EXECUTABLE_ARCH',
]);

export function collectJobVariables(
  job: JobPayload,
  environment: readonly string[],
  layout: BuildLayout,
  options: PredefinedVariablesOptions,
): ScriptVariable[] {
  const plain = (key: string, value: string, raw = false): ScriptVariable => ({
    key,
    value,
    file: false,
    raw,
    masked: false,
  });
  // Directories are taken literally: a `$` in builds_dir is part of the path.
  const defaults = [
    plain('CI_BUILDS_DIR', pathValue(layout.buildsDir), true),
    plain('CI_PROJECT_DIR', pathValue(layout.projectDir), true),
    plain('CI_CONCURRENT_ID', String(layout.concurrentId)),
    plain('CI_CONCURRENT_PROJECT_ID', String(layout.concurrentProjectId)),
    plain('CI_SERVER', 'yes'),
    plain('CI_JOB_STATUS', 'running'),
    plain('CI_JOB_TIMEOUT', String(options.jobTimeoutSeconds)),
  ];
  if (job.image?.name) defaults.push(plain('CI_JOB_IMAGE', job.image.name));
  const defaultKeys = new Set(defaults.map((v) => v.key));
  const fromRunner = environment.flatMap((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) return [];
    const key = entry.slice(0, eq);
    if (defaultKeys.has(key) || RUNNER_OWNED_KEYS.has(key)) return [];
    return [plain(key, plainValue(entry.slice(eq + 1)))];
  });
  const fromJob = job.variables
    .filter((v) => !RUNNER_OWNED_KEYS.has(v.key))
    .map((v) => ({
      key: v.key,
      value: plainValue(v.value),
      file: v.file,
      raw: v.raw,
      masked: v.masked,
    }));
  const identity = [
    plain(
      options.sharedEnvironment ? 'CI_SHARED_ENVIRONMENT' : 'CI_DISPOSABLE_ENVIRONMENT',
      'true',
    ),
    plain('CI_RUNNER_VERSION', options.runnerVersion),
    plain('CI_RUNNER_REVISION', options.runnerRevision),
    plain('CI_RUNNER_EXECUTABLE_ARCH', options.arch),
  ];
  return [...defaults, ...fromRunner, ...fromJob, ...identity].filter((v) => NAME.test(v.key));
}

/**
 * Lookups over an ordered variable list; the last definition of a key wins. References
 * resolve against the values as defined (one pass, like gitlab-runner), a file variable's
 * reference gives the path of its file.
 */
export class VariableSet {
  readonly #byKey = new Map<string, ScriptVariable>();
  readonly #tmpDir: string;

  /** `tmpDir`: the layout's tmp dir, where file variables live ('' when unknown). */
  constructor(
    readonly list: readonly ScriptVariable[],
    tmpDir = '',
  ) {
    this.#tmpDir = tmpDir;
    for (const v of list) this.#byKey.set(v.key, v);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /**
   * The value with references expanded (raw variables as they are); a directory known only
   * on the instance reads `$PWD/…` or `$HOME/…`.
   */
  value(key: string): string {
    return valuePath(this.expandedValue(key));
  }

  /** The expanded value as exported (instance-side directories as markers, runtime-value.ts). */
  expandedValue(key: string): string {
    const v = this.#byKey.get(key);
    if (!v) return '';
    return v.raw ? v.value : this.expandRuntime(v.value);
  }

  /** Expands `$NAME` and `${NAME}` from these variables like gitlab-runner; unknown names give ''. */
  expand(text: string): string {
    return valuePath(this.expandRuntime(text));
  }

  /** Like `expand`, with instance-side directories as markers (for scripts). */
  expandRuntime(text: string): string {
    return expandVariables(text, (name) => {
      const v = this.#byKey.get(name);
      if (!v) return '';
      return v.file && this.#tmpDir !== '' ? pathValue(`${this.#tmpDir}/${v.key}`) : v.value;
    });
  }

  /** Values of masked variables (for masking and tests). */
  maskedValues(): string[] {
    return this.list.filter((v) => v.masked && v.value !== '').map((v) => v.value);
  }

  fileVariables(): ScriptVariable[] {
    return [...this.#byKey.values()].filter((v) => v.file);
  }

  /** A copy with `key` overridden (appended last). */
  with(key: string, value: string): VariableSet {
    return new VariableSet(
      [...this.list, { key, value, file: false, raw: false, masked: false }],
      this.#tmpDir,
    );
  }
}

/** Path of the file that holds a file variable's content. */
export function fileVariablePath(layout: BuildLayout, key: string): string {
  return `${layout.tmpDir}/${key}`;
}

/**
 * `export` lines for every variable, in order, with values expanded on the manager and written
 * literally (an instance-side base directory as the stage's own). File variables are written
 * (mode 0600) below the tmp dir and the variable holds the path.
 */
export function renderExports(vars: VariableSet, layout: BuildLayout): string[] {
  const lines = [`mkdir -p ${shellPath(layout.tmpDir)}`];
  for (const v of vars.list) {
    const value = v.raw ? v.value : vars.expandRuntime(v.value);
    if (v.file) {
      const path = shellPath(fileVariablePath(layout, v.key));
      lines.push(`(umask 077 && printf '%s' ${valueWord(value)} > ${path})`);
      lines.push(`export ${v.key}=${path}`);
    } else {
      lines.push(`export ${v.key}=${valueWord(value)}`);
    }
  }
  return lines;
}
