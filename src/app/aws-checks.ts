/**
 * `spotrunner verify` for aws runners: each Auto Scaling group the runner drives (its primary
 * group and its fallback group) is read and checked against what spotrunner needs — MinSize and
 * DesiredCapacity 0, MaxSize ≥ max_instances, scale-in protection, AZRebalance suspended,
 * CapacityRebalance off, no scaling policies, IMDSv2 required in the launch template, ownership
 * tags. Each problem is printed with the exact `aws` command that fixes it; an error fails verify.
 */
import { loadOrCreateSystemId } from '../config/index.js';
import type { CompiledAwsPlugin, CompiledConfig, CompiledRunner } from '../config/types.js';
import type { ExtraCheckResult, RunnerCheck } from '../cli/commands/verify.js';
import { describeError } from '../platform/errors.js';
import {
  awsOptionsFromConfig,
  createAwsClients,
  destroyAwsClients,
  verifyGroup,
  type GroupProblem,
} from '../providers/aws/index.js';

export interface AwsCheckOptions {
  /** Overrides every group's endpoint (tests, compatible clouds). */
  awsEndpoint?: string;
}

interface GroupToCheck {
  role: 'primary' | 'fallback';
  plugin: CompiledAwsPlugin;
}

function groupsOf(runner: CompiledRunner): GroupToCheck[] {
  const groups: GroupToCheck[] = [];
  const primary = runner.autoscaler?.provider;
  if (primary?.kind === 'aws') groups.push({ role: 'primary', plugin: primary.aws });
  const fallback = runner.spotrunner.fallback?.provider;
  if (runner.autoscaler && fallback?.kind === 'aws')
    groups.push({ role: 'fallback', plugin: fallback.aws });
  return groups;
}

function problemLines(p: GroupProblem): string[] {
  return [`${p.severity === 'error' ? '✗' : '!'} ${p.message}`, `    fix: ${p.fix}`];
}

async function checkGroup(
  runner: CompiledRunner,
  group: GroupToCheck,
  managerName: string,
  options: AwsCheckOptions,
): Promise<ExtraCheckResult> {
  const scaler = runner.autoscaler!;
  const parsed = awsOptionsFromConfig(group.plugin, scaler.connector, {
    managerName,
    runnerName: runner.name,
  });
  const name = parsed.provider.groupName;
  const label = `aws ${group.role} group "${name}"`;
  const clients = createAwsClients({
    ...parsed.clients,
    ...(options.awsEndpoint ? { endpoint: options.awsEndpoint } : {}),
  });
  try {
    const result = await verifyGroup(clients, name, {
      maxInstances: scaler.maxInstances,
      managerName,
      runnerName: runner.name,
      tagGroup: parsed.provider.tagGroup,
    });
    if (result.problems.length === 0)
      return { ok: true, lines: [`✓ ${label}: set up as spotrunner needs it`] };
    const errors = result.problems.filter((p) => p.severity === 'error').length;
    const head = result.ok
      ? `✓ ${label}: usable, with ${result.problems.length} warning(s)`
      : `✗ ${label}: ${errors} problem(s) to fix`;
    return {
      ok: result.ok,
      lines: [head, ...result.problems.flatMap((p) => problemLines(p).map((l) => `  ${l}`))],
    };
  } catch (err: unknown) {
    return { ok: false, lines: [`✗ ${label}: cannot check: ${describeError(err)}`] };
  } finally {
    destroyAwsClients(clients);
  }
}

/** The verify check for aws runners; undefined for runners without an aws group. */
export function awsGroupCheck(options: AwsCheckOptions = {}): RunnerCheck {
  return async (runner: CompiledRunner, config: CompiledConfig) => {
    const groups = groupsOf(runner);
    if (groups.length === 0) return undefined;
    const { systemId } = await loadOrCreateSystemId(config.dir);
    const results: ExtraCheckResult[] = [];
    for (const g of groups) results.push(await checkGroup(runner, g, systemId, options));
    return { ok: results.every((r) => r.ok), lines: results.flatMap((r) => r.lines) };
  };
}
