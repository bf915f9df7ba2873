/**
 * Project settings that GitLab keeps outside the repository (name, CI/CD variables), read from
 * `createProject` options and an optional `.spotrunner-sandbox.yml` in the source directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, UserError } from '../platform/errors.js';
import type { ProjectVariable } from './model/records.js';

export const SANDBOX_PROJECT_FILE = '.spotrunner-sandbox.yml';

export type ProjectVariableInput =
  string | { value: string; masked?: boolean; raw?: boolean; file?: boolean };

export interface CreateProjectOptions {
  /** Directory with the project: a git repository (mirrored) or plain files (one commit). */
  sourceDir: string;
  name?: string;
  /** Default `sandbox`. */
  namespace?: string;
  /** CI/CD variables of the project; merged over those of `.spotrunner-sandbox.yml`. */
  variables?: Record<string, ProjectVariableInput>;
  timeoutS?: number;
  gitDepth?: number;
}

export interface ProjectSettings {
  name: string;
  namespace: string;
  variables: ProjectVariable[];
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'project'
  );
}

/** GitLab's rule for maskable values: ≥ 8 characters, one line, no spaces. */
export function isMaskable(value: string): boolean {
  return value.length >= 8 && !/\s/.test(value);
}

function toVariable(key: string, input: unknown, where: string): ProjectVariable {
  if (!/^[A-Za-z0-9_]+$/.test(key))
    throw new UserError(`${where}: invalid variable name ${key}`, 'config_invalid');
  const spec =
    typeof input === 'object' && input !== null
      ? (input as Record<string, unknown>)
      : { value: input };
  const value = spec.value;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new UserError(`${where}: variable ${key} needs a value`, 'config_invalid');
  }
  const variable: ProjectVariable = {
    key,
    value: String(value),
    masked: spec.masked === true,
    raw: spec.raw === true,
    file: spec.file === true,
  };
  if (variable.masked && !isMaskable(variable.value)) {
    throw new UserError(
      `${where}: variable ${key} cannot be masked (needs at least 8 characters, one line, no spaces)`,
      'config_invalid',
    );
  }
  return variable;
}

function readProjectFile(sourceDir: string): Record<string, unknown> {
  const file = join(sourceDir, SANDBOX_PROJECT_FILE);
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = parse(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a mapping');
    return parsed as Record<string, unknown>;
  } catch (err: unknown) {
    throw new ConfigError([{ file, message: err instanceof Error ? err.message : String(err) }]);
  }
}

export function resolveProjectSettings(options: CreateProjectOptions): ProjectSettings {
  const file = readProjectFile(options.sourceDir);
  const fileVars =
    typeof file.variables === 'object' && file.variables !== null ? file.variables : {};
  const merged: Record<string, unknown> = { ...fileVars, ...(options.variables ?? {}) };
  const variables = Object.entries(merged).map(([key, v]) =>
    toVariable(key, v, SANDBOX_PROJECT_FILE),
  );
  const name =
    options.name ?? (typeof file.name === 'string' ? file.name : basename(options.sourceDir));
  const namespace =
    options.namespace ?? (typeof file.namespace === 'string' ? file.namespace : 'sandbox');
  return { name: slug(name), namespace: namespace.split('/').map(slug).join('/'), variables };
}
