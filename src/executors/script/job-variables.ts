/**
 * The variables a job's scripts see, in gitlab-runner's precedence: predefined runner values,
 * the runner's `environment`, the job's own variables (last definition wins), then the
 * runner-identity variables. `VariableSet` answers lookups and `$VAR` expansion on the
 * manager side (cache keys, GIT_* settings); `renderExports` writes them into a script.
 */
import type { JobPayload } from '../../gitlab/job-payload.js';
import type { BuildLayout } from './build-layout.js';
import { expandableWord, shellPath, shellQuote } from './shell-quote.js';

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
const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function collectJobVariables(
  job: JobPayload,
  environment: readonly string[],
  layout: BuildLayout,
  options: PredefinedVariablesOptions,
): ScriptVariable[] {
  const plain = (key: string, value: string): ScriptVariable => ({
    key,
    value,
    file: false,
    raw: false,
    masked: false,
  });
  const defaults = [
    plain('CI_BUILDS_DIR', layout.buildsDir),
    plain('CI_PROJECT_DIR', layout.projectDir),
    plain('CI_CONCURRENT_ID', String(layout.slot)),
    plain('CI_CONCURRENT_PROJECT_ID', String(layout.slot)),
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
    return defaultKeys.has(key) ? [] : [plain(key, entry.slice(eq + 1))];
  });
  const fromJob = job.variables.map((v) => ({
    key: v.key,
    value: v.value,
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

/** Lookups over an ordered variable list; the last definition of a key wins. */
export class VariableSet {
  readonly #byKey = new Map<string, ScriptVariable>();

  constructor(readonly list: readonly ScriptVariable[]) {
    for (const v of list) this.#byKey.set(v.key, v);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** The value with `$VAR` references expanded (raw variables as they are). */
  value(key: string): string {
    const v = this.#byKey.get(key);
    if (!v) return '';
    return v.raw ? v.value : this.expand(v.value);
  }

  /** Expands `$NAME` and `${NAME}` from these variables; unknown names become empty. */
  expand(text: string): string {
    return text.replace(REF, (_m, braced: string | undefined, bare: string | undefined) => {
      const v = this.#byKey.get((braced ?? bare)!);
      return v ? v.value : '';
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
    return new VariableSet([...this.list, { key, value, file: false, raw: false, masked: false }]);
  }
}

/** Path of the file that holds a file variable's content. */
export function fileVariablePath(layout: BuildLayout, key: string): string {
  return `${layout.tmpDir}/${key}`;
}

/**
 * `export` lines for every variable, in order. File variables are written (mode 0600) below
 * the tmp dir and the variable holds the path. Non-raw values expand `$VAR` at runtime.
 */
export function renderExports(vars: VariableSet, layout: BuildLayout): string[] {
  const lines = [`mkdir -p ${shellPath(layout.tmpDir)}`];
  for (const v of vars.list) {
    const word = v.raw ? shellQuote(v.value) : expandableWord(v.value);
    if (v.file) {
      const path = shellPath(fileVariablePath(layout, v.key));
      lines.push(`(umask 077 && printf '%s' ${word} > ${path})`);
      lines.push(`export ${v.key}=${path}`);
    } else {
      lines.push(`export ${v.key}=${word}`);
    }
  }
  return lines;
}
