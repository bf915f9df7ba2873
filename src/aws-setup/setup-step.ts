/**
 * One resource setup manages: `plan()` reads what exists and lists what differs from what the
 * spec wants; the plan's `apply()` makes it so. Planning again after applying must find
 * nothing to change (that is how setup reads every resource back), and planning twice on a
 * finished setup changes nothing (idempotent).
 */
import { awsErrorFacts, callAws, translateAwsError } from '../providers/aws/aws-errors.js';
import { UserError } from '../platform/errors.js';
import type { SetupClients } from './setup-clients.js';
import { SETUP_TAG } from './setup-clients.js';
import type { SetupSpec } from './setup-settings.js';

export interface StepPlan {
  /** e.g. `launch template spotrunner-ci-spot`. */
  resource: string;
  action: 'create' | 'update' | 'none';
  /** What apply changes, one line each. */
  changes: readonly string[];
  apply(): Promise<void>;
}

export interface SetupContext {
  spec: SetupSpec;
  clients: SetupClients;
  region: string;
  /** Learnt from the instance role's ARN; undefined before the role exists. */
  account?: string;
}

export interface SetupStep {
  plan(ctx: SetupContext): Promise<StepPlan>;
}

export const UNCHANGED = async (): Promise<void> => {};

/** A plan that changes nothing. */
export function upToDate(resource: string): StepPlan {
  return { resource, action: 'none', changes: [], apply: UNCHANGED };
}

/** One change a plan would make: its line in the plan, and the call that makes it. */
export interface ChangeLine {
  line: string;
  run: () => Promise<unknown>;
}

/**
 * The plan of a resource from its pending changes: nothing to do, or create/update by running
 * each change's call in order (errors named `<service>: <line>`).
 */
export function planFromLines(
  resource: string,
  exists: boolean,
  service: string,
  lines: readonly ChangeLine[],
): StepPlan {
  if (lines.length === 0) return upToDate(resource);
  return {
    resource,
    action: exists ? 'update' : 'create',
    changes: lines.map((l) => l.line),
    async apply() {
      for (const l of lines) await callAws(`${service}: ${l.line}`, l.run);
    },
  };
}

/** Runs a read; `undefined` when AWS answers with one of the not-found codes. */
export async function readAws<T>(
  operation: string,
  notFound: readonly string[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (notFound.includes(awsErrorFacts(err).awsCode)) return undefined;
    throw translateAwsError(err, operation);
  }
}

/** Refuses to adopt a resource setup did not make (a same-named resource of someone else's). */
export function requireOwnTag(
  resource: string,
  tags: Readonly<Record<string, string | undefined>>,
  setupId: string,
): void {
  const value = tags[SETUP_TAG];
  if (value === setupId) return;
  throw new UserError(
    `${resource} exists but is not tagged ${SETUP_TAG}=${setupId}` +
      (value ? ` (it is ${SETUP_TAG}=${value})` : '') +
      ': setup does not take over resources it did not make; rename it or set aws_setup.setup_id',
    'config_invalid',
  );
}

/** `name: current → wanted` lines for the fields that differ (compared as JSON). */
export function fieldChanges(
  current: Readonly<Record<string, unknown>>,
  wanted: Readonly<Record<string, unknown>>,
): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const now = JSON.stringify(current[key]);
    const want = JSON.stringify(value);
    if (now !== want) lines.push(`${key}: ${now ?? '(unset)'} → ${want}`);
  }
  return lines;
}

export function tagRecord(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
