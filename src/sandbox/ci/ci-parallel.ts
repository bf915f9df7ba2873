/**
 * `parallel:` as GitLab's config normalizer expands it (Normalizer::NumberStrategy and
 * MatrixStrategy): `parallel: N` gives `name i/N`; `parallel:matrix` gives one job per
 * combination, named `name: [v1, v2]` after the values in the order the keys are written, with
 * the combination's variables. Both set `CI_NODE_INDEX` (1-based) and `CI_NODE_TOTAL`.
 */
import type { CiVariable } from './ci-config.js';
import { isMap, type YamlMap } from './ci-values.js';

/** Where problems go (the shape of `CiIssues`, without importing it: ci-parts imports this). */
interface CiIssues {
  errors: string[];
}

/** GitLab's `Entry::Product::Parallel::PARALLEL_LIMIT`. */
export const PARALLEL_LIMIT = 200;

/** One job a parallel job becomes. */
export interface ParallelInstance {
  name: string;
  nodeIndex?: number;
  nodeTotal?: number;
  /** The matrix combination (`job_variables` merged over the job's own). */
  variables: CiVariable[];
}

/** One matrix entry: variable name → its values (scalars become one-element lists). */
export type MatrixEntry = Record<string, string[]>;

/** Every combination of an entry's values, entries one after the other (`MatrixStrategy.expand`). */
export function matrixCombinations(matrix: readonly MatrixEntry[]): [string, string][][] {
  return matrix.flatMap((entry) => {
    let combos: [string, string][][] = [[]];
    for (const [key, values] of Object.entries(entry)) {
      combos = combos.flatMap((combo) =>
        values.map((v): [string, string][] => [...combo, [key, v]]),
      );
    }
    return combos;
  });
}

/** `name: [v1, v2]`: the values of one combination, in key order. */
export function matrixJobName(name: string, combo: readonly [string, string][]): string {
  return `${name}: [${combo.map(([, v]) => v).join(', ')}]`;
}

function matrixValues(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out.push(String(v));
    else return undefined;
  }
  return out;
}

/** Reads `parallel:matrix` (job or `needs:parallel`); undefined after reporting an error. */
export function parseMatrix(
  value: unknown,
  where: string,
  issues: CiIssues,
): MatrixEntry[] | undefined {
  if (!Array.isArray(value) || !(value as unknown[]).every(isMap)) {
    issues.errors.push(`${where}:parallel:matrix config should be an array of hashes`);
    return undefined;
  }
  const out: MatrixEntry[] = [];
  for (const entry of value as YamlMap[]) {
    if (Object.keys(entry).length === 0) {
      issues.errors.push(`${where}:parallel:matrix:variables config requires at least 1 items`);
      return undefined;
    }
    const parsed: MatrixEntry = {};
    for (const [key, raw] of Object.entries(entry)) {
      const values = matrixValues(raw);
      if (!values) {
        issues.errors.push(
          `${where}:parallel:matrix:variables config should be a hash of key value pairs, value can be an array`,
        );
        return undefined;
      }
      parsed[key] = values;
    }
    out.push(parsed);
  }
  return out;
}

/** The jobs one job definition becomes; `[{ name }]` when it is not parallel. */
export function expandParallel(name: string, raw: YamlMap, issues: CiIssues): ParallelInstance[] {
  const parallel = raw.parallel;
  const where = `jobs:${name}`;
  if (parallel === undefined || parallel === null) return [{ name, variables: [] }];
  if (typeof parallel === 'number') {
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > PARALLEL_LIMIT) {
      issues.errors.push(`${where}:parallel should be an integer between 1 and ${PARALLEL_LIMIT}`);
      return [{ name, variables: [] }];
    }
    return Array.from({ length: parallel }, (_, i) => ({
      name: `${name} ${i + 1}/${parallel}`,
      nodeIndex: i + 1,
      nodeTotal: parallel,
      variables: [],
    }));
  }
  if (!isMap(parallel)) {
    issues.errors.push(`${where}:parallel should be an integer or a hash`);
    return [{ name, variables: [] }];
  }
  const unknown = Object.keys(parallel).filter((k) => k !== 'matrix');
  if (unknown.length > 0) {
    issues.errors.push(`${where}:parallel config contains unknown keys: ${unknown.join(', ')}`);
    return [{ name, variables: [] }];
  }
  if (parallel.matrix === undefined) {
    issues.errors.push(`${where}:parallel config missing required keys: matrix`);
    return [{ name, variables: [] }];
  }
  const matrix = parseMatrix(parallel.matrix, where, issues);
  if (!matrix) return [{ name, variables: [] }];
  const combos = matrixCombinations(matrix);
  if (combos.length > PARALLEL_LIMIT) {
    issues.errors.push(
      `${where}:parallel:matrix config generates too many jobs (maximum is ${PARALLEL_LIMIT})`,
    );
    return [{ name, variables: [] }];
  }
  // Equal names overwrite each other, as in GitLab's job hash: the first place, the last values.
  const byName = new Map<string, ParallelInstance>();
  combos.forEach((combo, i) => {
    const instanceName = matrixJobName(name, combo);
    byName.set(instanceName, {
      name: instanceName,
      nodeIndex: i + 1,
      nodeTotal: combos.length,
      variables: combo.map(([key, value]) => ({ key, value, raw: false })),
    });
  });
  return [...byName.values()];
}
