/**
 * `aws setup`: plans every resource (printing the plan), then — unless it is a dry run — applies
 * each step, freshly planned so it uses what the steps before it made, and plans it again to
 * read the result back: anything still differing is an error.
 */
import { SpotrunnerError } from '../platform/errors.js';
import { bucketStep } from './bucket-step.js';
import { groupSteps } from './group-step.js';
import { instanceRoleStep } from './instance-role-step.js';
import { queueStep, ruleStep } from './interruption-steps.js';
import { managerPolicyStep } from './manager-policy-step.js';
import type { SetupClients } from './setup-clients.js';
import type { SetupSpec } from './setup-settings.js';
import type { SetupContext, SetupStep, StepPlan } from './setup-step.js';
import { templateStep } from './template-step.js';

export interface SetupResult {
  plans: StepPlan[];
  applied: boolean;
}

export function setupSteps(spec: SetupSpec): SetupStep[] {
  return [
    instanceRoleStep,
    managerPolicyStep,
    templateStep,
    ...groupSteps(spec.groups),
    bucketStep,
    queueStep,
    ruleStep,
  ];
}

export function formatPlan(plan: StepPlan): string[] {
  const mark = { create: '+', update: '~', none: '=' }[plan.action];
  const head = `${mark} ${plan.resource}${plan.action === 'none' ? ': up to date' : ''}`;
  return [head, ...plan.changes.map((c) => `    ${c}`)];
}

export async function runSetup(
  deps: { clients: SetupClients; print: (line: string) => void },
  spec: SetupSpec,
  options: { region: string; dryRun: boolean },
): Promise<SetupResult> {
  const ctx: SetupContext = { spec, clients: deps.clients, region: options.region };
  const steps = setupSteps(spec);
  const plans: StepPlan[] = [];
  for (const step of steps) {
    const plan = await step.plan(ctx);
    plans.push(plan);
    for (const line of formatPlan(plan)) deps.print(line);
  }
  const pending = plans.filter((p) => p.action !== 'none').length;
  if (options.dryRun || pending === 0) {
    deps.print(
      options.dryRun ? `dry run: ${pending} resource(s) would change` : 'nothing to change',
    );
    return { plans, applied: false };
  }
  for (const step of steps) {
    const fresh = await step.plan(ctx);
    if (fresh.action === 'none') continue;
    await fresh.apply();
    const check = await step.plan(ctx);
    if (check.action !== 'none')
      throw new SpotrunnerError(
        'provider',
        `${check.resource} does not read back as set: ${check.changes.join('; ')}`,
      );
    deps.print(`✓ ${fresh.resource}: ${fresh.action === 'create' ? 'created' : 'updated'}`);
  }
  return { plans, applied: true };
}
