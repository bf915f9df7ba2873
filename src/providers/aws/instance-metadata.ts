/**
 * Asks the instance itself (IMDSv2, through curl over the instance's connection) whether AWS has
 * scheduled it for interruption: `spot/instance-action` (a two-minute termination/stop warning)
 * and `events/recommendations/rebalance` (elevated risk). Both answer 404 while nothing is due.
 */
import type { InstanceConnection } from '../../connect/connection.js';
import { SpotrunnerError } from '../../platform/errors.js';
import type { InterruptionNotice } from '../provider.js';

export const DEFAULT_METADATA_URL = 'http://169.254.169.254';

export interface MetadataCheckOptions {
  /** IMDS base URL; tests point it at the AWS double. */
  baseUrl?: string;
  /** Seconds each curl call may take. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

const PATHS = {
  action: 'spot/instance-action',
  rebalance: 'events/recommendations/rebalance',
} as const;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The shell script run on the instance; prints `@@<name> <status>` and the body of each path. */
export function metadataScript(baseUrl: string, timeoutSeconds: number): string {
  const base = baseUrl.replace(/\/+$/, '');
  const curl = `curl -s --max-time ${timeoutSeconds}`;
  const lines = [
    `b=${shellQuote(base)}`,
    `t=$(${curl} -f -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$b/latest/api/token") || { echo '@@token failed'; exit 0; }`,
  ];
  for (const [name, path] of Object.entries(PATHS)) {
    lines.push(
      `body=$(${curl} -o - -w '\\n%{http_code}' -H "X-aws-ec2-metadata-token: $t" "$b/latest/meta-data/${path}")`,
      `printf '@@${name} %s\\n%s\\n' "$(printf '%s' "$body" | tail -n 1)" "$(printf '%s' "$body" | sed '$d')"`,
    );
  }
  return lines.join('\n');
}

interface Section {
  status: string;
  body: string;
}

function parseSections(output: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: { name: string; status: string; lines: string[] } | undefined;
  const flush = (): void => {
    if (current)
      sections.set(current.name, { status: current.status, body: current.lines.join('\n') });
  };
  for (const line of output.split('\n')) {
    const header = /^@@(\w+) (\S+)$/.exec(line);
    if (header) {
      flush();
      current = { name: header[1]!, status: header[2]!, lines: [] };
    } else current?.lines.push(line);
  }
  flush();
  return sections;
}

function parseTime(body: string, field: string): number | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[field];
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
}

/** Reads the notice out of the script's output; throws when IMDS could not be asked. */
export function noticeFromMetadataOutput(output: string): InterruptionNotice | undefined {
  const sections = parseSections(output);
  if (sections.has('token')) {
    throw new SpotrunnerError(
      'provider',
      'instance metadata: no IMDSv2 token (is IMDS reachable?)',
      {
        retryable: true,
      },
    );
  }
  const action = sections.get('action');
  const rebalance = sections.get('rebalance');
  if (!action || !rebalance)
    throw new SpotrunnerError('provider', 'instance metadata: unexpected output');
  for (const s of [action, rebalance]) {
    if (s.status !== '200' && s.status !== '404') {
      throw new SpotrunnerError('provider', `instance metadata: HTTP ${s.status}`, {
        retryable: true,
      });
    }
  }
  if (action.status === '200') {
    const deadlineMs = parseTime(action.body, 'time');
    if (deadlineMs !== undefined) return { kind: 'termination', deadlineMs };
  }
  if (rebalance.status === '200') {
    const deadlineMs = parseTime(rebalance.body, 'noticeTime');
    if (deadlineMs !== undefined) return { kind: 'rebalance', deadlineMs };
  }
  return undefined;
}

/**
 * Checks the instance's metadata for an interruption: a termination (deadline = the announced
 * time) or a rebalance recommendation (deadline = its notice time), or none.
 */
export async function checkInstanceMetadata(
  connection: InstanceConnection,
  options: MetadataCheckOptions = {},
): Promise<InterruptionNotice | undefined> {
  const script = metadataScript(
    options.baseUrl ?? DEFAULT_METADATA_URL,
    options.timeoutSeconds ?? 2,
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const result = await connection.exec(script, {
    signal: options.signal,
    onStdout: (chunk) => out.push(chunk),
    onStderr: (chunk) => err.push(chunk),
  });
  if (result.exitCode !== 0) {
    const stderr = Buffer.concat(err).toString('utf8').trim().slice(0, 200);
    throw new SpotrunnerError(
      'provider',
      `instance metadata check failed (exit ${result.exitCode}): ${stderr}`,
      {
        retryable: true,
      },
    );
  }
  return noticeFromMetadataOutput(Buffer.concat(out).toString('utf8'));
}
