import type { ConfigIssue } from '../platform/errors.js';
import { parseDurationMs } from '../platform/durations.js';
import { formatKeyPath, type KeyLineIndex, type PathSegment } from './line-index.js';

/** What the compile steps share: where the file is, and where to report issues. */
export interface CompileContext {
  file: string;
  dir: string;
  index: KeyLineIndex;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function createCompileContext(
  file: string,
  dir: string,
  index: KeyLineIndex,
): CompileContext {
  return { file, dir, index, errors: [], warnings: [] };
}

function issueAt(ctx: CompileContext, path: readonly PathSegment[], message: string): ConfigIssue {
  return { file: ctx.file, line: ctx.index.lineOf(path), key: formatKeyPath(path), message };
}

export function reportError(
  ctx: CompileContext,
  path: readonly PathSegment[],
  message: string,
): void {
  ctx.errors.push(issueAt(ctx, path, message));
}

export function reportWarning(
  ctx: CompileContext,
  path: readonly PathSegment[],
  message: string,
): void {
  ctx.warnings.push(issueAt(ctx, path, message));
}

/** A validated duration in ms, with Go's zero value (absent, 0, "0s") meaning `defaultMs`. */
export function durationOr(raw: string | number | undefined, defaultMs: number): number {
  const ms = raw === undefined ? 0 : parseDurationMs(raw);
  return ms > 0 ? ms : defaultMs;
}

/** A positive number, or the default for Go's zero value (and below). */
export function positiveOr(raw: number | undefined, def: number): number {
  return raw !== undefined && raw > 0 ? raw : def;
}

/** An empty string is Go's zero value: treat it as unset. */
export function nonEmpty(raw: string | undefined): string | undefined {
  return raw === undefined || raw === '' ? undefined : raw;
}
