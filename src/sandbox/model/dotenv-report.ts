/**
 * `artifacts:reports:dotenv` as Ci::ParseDotenvArtifactService reads it when the report is
 * uploaded: the stored file must be under the plan's `dotenv_size` (5 KB), every line is
 * `KEY=VALUE` (split at the first `=`, both sides stripped; quotes are kept, nothing is
 * expanded), keys are letters, digits and `_`, a repeated key keeps its last value, and at most
 * `dotenv_variables` (20) keys. A bad report is refused with 400 and is not stored.
 */
import { gunzipSync } from 'node:zlib';
import type { DotenvVariable } from './records.js';

/** GitLab's default plan limits (`plan_limits.dotenv_size`, `dotenv_variables`). */
export const DOTENV_SIZE_LIMIT_BYTES = 5 * 1024;
export const DOTENV_VARIABLE_LIMIT = 20;

export type DotenvResult =
  { ok: true; variables: DotenvVariable[] } | { ok: false; message: string };

const KEY = /^[a-zA-Z0-9_]+$/;

function decode(data: Buffer, format: string): string {
  const bytes = format === 'gzip' ? gunzipSync(data) : data;
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

export function parseDotenvReport(data: Buffer, format: string): DotenvResult {
  if (data.length >= DOTENV_SIZE_LIMIT_BYTES) {
    return {
      ok: false,
      message: `Dotenv Artifact Too Big. Maximum Allowable Size: ${DOTENV_SIZE_LIMIT_BYTES}`,
    };
  }
  let text: string;
  try {
    text = decode(data, format);
  } catch {
    return { ok: false, message: 'Invalid Format' };
  }
  const byKey = new Map<string, string>();
  // Ruby's each_line: a final line without "\n" still counts, an empty file has none.
  const lines = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq < 0) return { ok: false, message: 'Invalid Format' };
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) {
      return {
        ok: false,
        message: "Validation failed: Key can contain only letters, digits and '_'.",
      };
    }
    byKey.set(key, line.slice(eq + 1).trim());
  }
  if (byKey.size > DOTENV_VARIABLE_LIMIT) {
    return {
      ok: false,
      message: `Dotenv files cannot have more than ${DOTENV_VARIABLE_LIMIT} variables`,
    };
  }
  return { ok: true, variables: [...byKey].map(([key, value]) => ({ key, value })) };
}
