import { formatConfigIssue } from '../platform/errors.js';
import { formatDurationMs } from '../platform/durations.js';
import type { CompiledAutoscaler, CompiledCache, CompiledConfig, CompiledRunner } from './types.js';
import { activePolicyIndex } from './cron-periods.js';
import { describePeriods } from './period-words.js';

export interface DescribeConfigOptions {
  nowMs: number;
  /** Which policy of a runner is in force now; default: the last one whose periods contain now. */
  activePolicyIndex?: (runner: CompiledRunner) => number;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A token shown as its first 4 characters only. */
export function redactToken(token: string): string {
  return token === '' ? '(missing)' : `${token.slice(0, 4)}…`;
}

function safeUrl(url: string): string {
  if (url === '') return '(missing)';
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url; // not a URL at all: show what the user wrote (it is not a secret field)
  }
}

function describeGroup(a: CompiledAutoscaler): string {
  const p = a.provider;
  if (p.kind === 'aws') {
    const parts = [`Auto Scaling group ${p.aws.groupName}`];
    parts.push(`region ${p.aws.region ?? 'from the AWS SDK defaults'}`);
    if (p.aws.profile !== undefined) parts.push(`profile ${p.aws.profile}`);
    return `aws: ${parts.join(', ')} (plugin "${a.plugin}")`;
  }
  const keys = Object.keys(a.pluginConfig);
  return `${a.providerKind} (plugin "${a.plugin}")${keys.length > 0 ? `, plugin_config: ${keys.join(', ')}` : ''}`;
}

function describeCapacity(a: CompiledAutoscaler): string {
  const slots = plural(a.capacityPerInstance, 'slot');
  const max =
    a.maxInstances > 0
      ? `at most ${plural(a.maxInstances, 'instance')} (${a.maxInstances * a.capacityPerInstance} slots)`
      : "instances up to the provider's own maximum";
  const use =
    a.maxUseCount > 0
      ? `each instance serves ${plural(a.maxUseCount, 'job')}`
      : 'instances reused without limit';
  return `${slots} per instance, ${max}, ${use}`;
}

/** What bounds this runner's concurrency, and a warning when concurrent < slots. */
function describeConcurrency(
  config: CompiledConfig,
  r: CompiledRunner,
): { text: string; warning?: string } {
  const bounds: [string, number][] = [[`concurrent ${config.concurrent}`, config.concurrent]];
  if (r.limit > 0) bounds.push([`limit ${r.limit}`, r.limit]);
  const a = r.autoscaler;
  const slots = a && a.maxInstances > 0 ? a.maxInstances * a.capacityPerInstance : undefined;
  if (slots !== undefined) bounds.push([`max_instances × capacity_per_instance = ${slots}`, slots]);
  const [label, n] = bounds.reduce((min, b) => (b[1] < min[1] ? b : min));
  const text = `at most ${plural(n, 'job')} at once, bounded by ${label}${r.limit === 0 ? ' (no per-runner limit)' : ''}`;
  if (slots === undefined || config.concurrent >= slots) return { text };
  return {
    text,
    warning:
      `concurrent (${config.concurrent}) is lower than max_instances × capacity_per_instance (${slots}) ` +
      `for runner ${r.index + 1}: the gitlab-runner docs advise setting them equal`,
  };
}

function describePolicies(a: CompiledAutoscaler, active: number): string[] {
  if (a.policies.length === 0) return ['    none: no idle capacity is kept'];
  const lines = a.policies.map((p, i) => {
    const instances = Math.ceil(p.idleCount / a.capacityPerInstance);
    const parts = [
      `idle_count ${plural(p.idleCount, 'slot')}${p.idleCount > 0 ? ` (~${plural(instances, 'instance')})` : ''}`,
      `idle_time ${formatDurationMs(p.idleTimeMs)}`,
    ];
    if (p.scaleFactor > 0) {
      parts.push(
        `scale_factor ${p.scaleFactor}${p.scaleFactorLimit > 0 ? ` (limit ${p.scaleFactorLimit})` : ''}`,
      );
    }
    parts.push(p.preemptiveMode ? 'preemptive' : 'not preemptive');
    const marker = i === active ? '   ← active now' : '';
    return `    #${i + 1} ${describePeriods(p.periods, p.timezone)}: ${parts.join(', ')}${marker}`;
  });
  if (active < 0) lines.push('    no policy is active now');
  return lines;
}

function describeCache(cache: CompiledCache | undefined): string {
  if (cache?.s3 === undefined) return 'none';
  const s3 = cache.s3;
  const where = s3.serverAddress === 's3.amazonaws.com' ? '' : ` at ${s3.serverAddress}`;
  const shared = cache.shared ? 'shared by all runners' : 'per runner';
  const path = cache.path === '' ? '' : `, path "${cache.path}"`;
  return `S3 bucket ${s3.bucketName} (${s3.bucketLocation})${where}, ${shared}${path}, ${s3.authenticationType} credentials`;
}

function describeRunner(
  config: CompiledConfig,
  r: CompiledRunner,
  options: DescribeConfigOptions,
): string[] {
  const title = `runner ${r.index + 1}: "${r.name || '(no name)'}"${r.id === undefined ? '' : ` (id ${r.id})`}`;
  const lines = [
    title,
    `  GitLab:      ${safeUrl(r.url)}, token ${redactToken(r.token)}`,
    `  executor:    ${r.executor}`,
  ];
  const concurrency = describeConcurrency(config, r);
  const a = r.autoscaler;
  if (a) {
    lines.push(`  provider:    ${describeGroup(a)}`, `  capacity:    ${describeCapacity(a)}`);
  } else {
    lines.push('  capacity:    jobs run on this machine');
  }
  lines.push(`  concurrency: ${concurrency.text}`);
  if (a) {
    const active = options.activePolicyIndex?.(r) ?? activePolicyIndex(a.policies, options.nowMs);
    lines.push('  policies:', ...describePolicies(a, active));
  }
  lines.push(`  cache:       ${describeCache(r.cache)}`);
  const s = r.spotrunner;
  const rescue =
    s.interruptionMode === 'rerun' ? `rerun up to ${plural(s.maxReruns, 'time')}` : 'failed';
  const fallback = s.fallback
    ? `fallback ${s.fallback.providerKind} after ${formatDurationMs(s.fallback.afterMs)}` +
      ` (primary probed every ${formatDurationMs(s.fallback.probeIntervalMs)})`
    : 'no fallback group';
  lines.push(`  spotrunner:  interrupted jobs are ${rescue}, ${fallback}`);
  if (a) {
    lines.push(
      `               an instance not ready ${formatDurationMs(s.instanceStartTimeoutMs)} after it appears is replaced`,
    );
  }
  return concurrency.warning === undefined
    ? lines
    : [...lines, `  warning:     ${concurrency.warning}`];
}

/** The plain-words summary printed by `spotrunner config check FILE`. No secrets. */
export function describeConfig(config: CompiledConfig, options: DescribeConfigOptions): string {
  const head = [
    `${config.file}: ${plural(config.runners.length, 'runner')}`,
    `  concurrent ${plural(config.concurrent, 'job')} across all runners, checking for jobs every ${formatDurationMs(config.checkIntervalMs)}` +
      (config.listenAddress === undefined ? '' : `, metrics on ${config.listenAddress}`),
  ];
  const runners = config.runners.flatMap((r) => ['', ...describeRunner(config, r, options)]);
  const totalSlots = config.runners.reduce((sum, r) => {
    const a = r.autoscaler;
    return sum + (a && a.maxInstances > 0 ? a.maxInstances * a.capacityPerInstance : 0);
  }, 0);
  const notes =
    config.runners.length > 1 && totalSlots > config.concurrent
      ? [
          '',
          `note: the runners have ${totalSlots} slots in all; concurrent ${config.concurrent} caps them together`,
        ]
      : [];
  const warnings =
    config.warnings.length === 0
      ? []
      : ['', 'warnings:', ...config.warnings.map((w) => `  ${formatConfigIssue(w)}`)];
  return [...head, ...runners, ...notes, ...warnings].join('\n') + '\n';
}
