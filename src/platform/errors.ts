/** Every error code spotrunner raises on purpose. */
export type ErrorCode =
  | 'config_invalid'
  | 'config_missing_env'
  | 'usage'
  | 'not_found'
  | 'gitlab_forbidden'
  | 'gitlab_http'
  | 'gitlab_transport'
  | 'gitlab_payload'
  | 'provider'
  | 'provider_capacity'
  | 'provider_auth'
  | 'provider_throttled'
  | 'connect'
  | 'host_key_mismatch'
  | 'executor'
  | 'acquire_timeout'
  | 'no_capacity'
  | 'instance_lost'
  | 'canceled'
  | 'timeout'
  | 'state'
  | 'internal';

export interface SpotrunnerErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

/** Base error: a stable `code`, whether retrying can help, and the underlying cause. */
export class SpotrunnerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: SpotrunnerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpotrunnerError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * A mistake the user can fix (bad flag, bad config value). The CLI prints only the message
 * (with its location) and exits 2, without a stack.
 */
export class UserError extends SpotrunnerError {
  constructor(message: string, code: ErrorCode = 'usage', options: SpotrunnerErrorOptions = {}) {
    super(code, message, options);
    this.name = 'UserError';
  }
}

export interface ConfigIssue {
  /** Path of the config file. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** Dotted key path, e.g. `runners[0].autoscaler.max_instances`. */
  key?: string;
  message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const key = issue.key ? ` ${issue.key}:` : '';
  return `${where}:${key} ${issue.message}`;
}

/** One or more problems in a config file, each with file, line and key. */
export class ConfigError extends UserError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], code: ErrorCode = 'config_invalid') {
    super(issues.map(formatConfigIssue).join('\n'), code);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof SpotrunnerError && err.retryable;
}

/** A short human description of anything thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
