/** Normalizers for the structured job keywords (image, services, variables, artifacts, …). */
import type {
  CiArtifacts,
  CiCache,
  CiImage,
  CiNeed,
  CiOutcomeWhen,
  CiRetry,
  CiService,
  CiVariable,
} from './ci-config.js';
import { parseMatrix } from './ci-parallel.js';
import { isMap, toIntList, toOptionalString, toStringList } from './ci-values.js';

export interface CiIssues {
  warnings: string[];
  errors: string[];
}

export function parseVariables(value: unknown, where: string, issues: CiIssues): CiVariable[] {
  if (value === undefined || value === null) return [];
  if (!isMap(value)) {
    issues.errors.push(`${where}:variables config should be a hash of key value pairs`);
    return [];
  }
  const out: CiVariable[] = [];
  for (const [key, raw] of Object.entries(value)) {
    if (isMap(raw)) {
      const unknown = Object.keys(raw).filter(
        (k) => !['value', 'description', 'expand', 'options'].includes(k),
      );
      if (unknown.length > 0)
        issues.warnings.push(`${where}:variables:${key}: ignored keys ${unknown.join(', ')}`);
      out.push({ key, value: toOptionalString(raw.value) ?? '', raw: raw.expand === false });
      continue;
    }
    const text = toOptionalString(raw);
    if (text === undefined && raw !== null) {
      issues.errors.push(`${where}:variables:${key} must be a string, number, boolean or hash`);
      continue;
    }
    out.push({ key, value: text ?? '', raw: false });
  }
  return out;
}

function parseImageFields(value: unknown, where: string, issues: CiIssues): CiImage | undefined {
  if (typeof value === 'string') return { name: value };
  if (!isMap(value) || typeof value.name !== 'string') {
    issues.errors.push(`${where} config should be a string or a hash with a name`);
    return undefined;
  }
  const image: CiImage = { name: value.name };
  if (value.entrypoint !== undefined) image.entrypoint = toStringList(value.entrypoint);
  if (value.pull_policy !== undefined) image.pullPolicy = toStringList(value.pull_policy);
  const docker = isMap(value.docker) ? value.docker : undefined;
  if (typeof docker?.platform === 'string') image.dockerPlatform = docker.platform;
  if (typeof docker?.user === 'string' || typeof docker?.user === 'number')
    image.dockerUser = docker.user;
  return image;
}

export function parseImage(value: unknown, where: string, issues: CiIssues): CiImage | undefined {
  if (value === undefined || value === null) return undefined;
  return parseImageFields(value, `${where}:image`, issues);
}

export function parseServices(value: unknown, where: string, issues: CiIssues): CiService[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: CiService[] = [];
  list.forEach((item, i) => {
    const base = parseImageFields(item, `${where}:services:${i}`, issues);
    if (!base) return;
    const service: CiService = { ...base };
    if (isMap(item)) {
      const alias = toOptionalString(item.alias);
      if (alias !== undefined) service.alias = alias;
      if (item.command !== undefined) service.command = toStringList(item.command);
      if (isMap(item.variables)) {
        service.variables = Object.entries(item.variables).map(([key, v]) => ({
          key,
          value: toOptionalString(isMap(v) ? v.value : v) ?? '',
        }));
      }
    }
    out.push(service);
  });
  return out;
}

export function parseOutcomeWhen(value: unknown, where: string, issues: CiIssues): CiOutcomeWhen {
  if (value === undefined || value === null) return 'on_success';
  if (value === 'on_success' || value === 'on_failure' || value === 'always') return value;
  issues.errors.push(`${where}:when should be on_success, on_failure or always`);
  return 'on_success';
}

function parseReports(value: unknown, where: string, issues: CiIssues): CiArtifacts['reports'] {
  if (value === undefined || value === null) return [];
  if (!isMap(value)) {
    issues.errors.push(`${where}:artifacts:reports config should be a hash`);
    return [];
  }
  return Object.entries(value).map(([type, paths]) => {
    if (type === 'coverage_report' && isMap(paths)) {
      return {
        type: toOptionalString(paths.coverage_format) ?? 'cobertura',
        paths: toStringList(paths.path),
      };
    }
    return { type, paths: toStringList(paths) };
  });
}

export function parseArtifacts(
  value: unknown,
  where: string,
  issues: CiIssues,
): CiArtifacts | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) {
    issues.errors.push(`${where}:artifacts config should be a hash`);
    return undefined;
  }
  const known = ['paths', 'exclude', 'name', 'when', 'expire_in', 'untracked', 'reports'];
  for (const key of Object.keys(value).filter((k) => !known.includes(k))) {
    issues.warnings.push(
      `${where}:artifacts:${key} is not supported by the sandbox and was ignored`,
    );
  }
  const artifacts: CiArtifacts = {
    paths: toStringList(value.paths),
    exclude: toStringList(value.exclude),
    when: parseOutcomeWhen(value.when, `${where}:artifacts`, issues),
    reports: parseReports(value.reports, where, issues),
  };
  const name = toOptionalString(value.name);
  if (name !== undefined) artifacts.name = name;
  const expireIn = toOptionalString(value.expire_in);
  if (expireIn !== undefined) artifacts.expireIn = expireIn;
  if (typeof value.untracked === 'boolean') artifacts.untracked = value.untracked;
  return artifacts;
}

function parseOneCache(value: unknown, where: string, issues: CiIssues): CiCache | undefined {
  if (!isMap(value)) {
    issues.errors.push(`${where} config should be a hash`);
    return undefined;
  }
  const known = ['key', 'paths', 'untracked', 'policy', 'when', 'fallback_keys'];
  for (const key of Object.keys(value).filter((k) => !known.includes(k))) {
    issues.warnings.push(`${where}:${key} is not supported by the sandbox and was ignored`);
  }
  const rawKey = value.key;
  const key: CiCache['key'] = isMap(rawKey)
    ? {
        kind: 'files',
        files: toStringList(rawKey.files),
        ...(toOptionalString(rawKey.prefix) !== undefined
          ? { prefix: toOptionalString(rawKey.prefix)! }
          : {}),
      }
    : { kind: 'literal', value: toOptionalString(rawKey) ?? 'default' };
  return {
    key,
    paths: toStringList(value.paths),
    untracked: value.untracked === true,
    policy: toOptionalString(value.policy) ?? 'pull-push',
    when: parseOutcomeWhen(value.when, where, issues),
    fallbackKeys: toStringList(value.fallback_keys),
  };
}

export function parseCache(value: unknown, where: string, issues: CiIssues): CiCache[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length > 4) issues.errors.push(`${where}:cache config cannot have more than 4 caches`);
  return list.flatMap((item, i) => parseOneCache(item, `${where}:cache:${i}`, issues) ?? []);
}

/** `retry`, including the GitLab gotcha: a hash without `max` means zero retries. */
export function parseRetry(value: unknown, where: string, issues: CiIssues): CiRetry {
  if (value === undefined || value === null) return { when: ['always'], exitCodes: [] };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 2) {
      issues.errors.push(`${where}:retry config must be an integer between 0 and 2`);
      return { max: 0, when: ['always'], exitCodes: [] };
    }
    return { max: value, when: ['always'], exitCodes: [] };
  }
  if (!isMap(value)) {
    issues.errors.push(`${where}:retry config should be an integer or a hash`);
    return { max: 0, when: ['always'], exitCodes: [] };
  }
  const max = typeof value.max === 'number' ? value.max : undefined;
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > 2)) {
    issues.errors.push(`${where}:retry:max must be an integer between 0 and 2`);
  }
  const exitCodes = toIntList(value.exit_codes ?? []);
  const defaultWhen = exitCodes.length > 0 ? [] : ['always'];
  const when = value.when === undefined ? defaultWhen : toStringList(value.when);
  return {
    ...(max !== undefined ? { max: Math.min(Math.max(0, Math.trunc(max)), 2) } : {}),
    when,
    exitCodes,
  };
}

export function parseNeeds(value: unknown, where: string, issues: CiIssues): CiNeed[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) && !isMap(value)) {
    issues.errors.push(`${where}:needs config can only be a Hash or an Array`);
    return undefined;
  }
  // A hash is one need; lists nested by `!reference` are flattened, as GitLab does.
  const list = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
  const out: CiNeed[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push({ job: item, artifacts: true, optional: false });
    } else if (isMap(item) && typeof item.job === 'string') {
      if (item.pipeline !== undefined || item.project !== undefined) {
        issues.warnings.push(
          `${where}:needs: cross-pipeline needs are not supported by the sandbox and were ignored`,
        );
        continue;
      }
      const need: CiNeed = {
        job: item.job,
        artifacts: item.artifacts !== false,
        optional: item.optional === true,
      };
      if (isMap(item.parallel)) {
        const matrix = parseMatrix(item.parallel.matrix, `${where}:needs:${item.job}`, issues);
        if (matrix) need.matrix = matrix;
      } else if (item.parallel !== undefined) {
        issues.errors.push(`${where}:needs:${item.job}:parallel should be a hash with matrix`);
      }
      out.push(need);
    } else {
      issues.warnings.push(`${where}:needs: entry not supported by the sandbox and ignored`);
    }
  }
  return out;
}

export function parseAllowFailure(
  value: unknown,
  where: string,
  issues: CiIssues,
): { allowFailure: boolean; exitCodes: number[] } {
  if (value === undefined || value === null) return { allowFailure: false, exitCodes: [] };
  if (typeof value === 'boolean') return { allowFailure: value, exitCodes: [] };
  if (isMap(value) && value.exit_codes !== undefined) {
    return { allowFailure: false, exitCodes: toIntList(value.exit_codes) };
  }
  issues.errors.push(`${where}:allow_failure config should be a boolean or a hash with exit_codes`);
  return { allowFailure: false, exitCodes: [] };
}
