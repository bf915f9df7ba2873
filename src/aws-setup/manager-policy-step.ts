/**
 * The manager's policy as a customer-managed IAM policy (`spotrunner-<id>-manager`), generated
 * by manager-policy.ts for this runner's groups, queue and system id. Attach it to the role or
 * user the manager runs as. A changed document becomes a new default version (the oldest
 * non-default version is deleted first when IAM's limit of five is reached).
 */
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { callAws } from '../providers/aws/aws-errors.js';
import { decodePolicy } from './instance-role-step.js';
import { managerPolicy, type PolicyDocument } from './manager-policy.js';
import { SETUP_TAG } from './setup-clients.js';
import {
  readAws,
  requireOwnTag,
  tagRecord,
  upToDate,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';

export function wantedManagerPolicy(ctx: SetupContext): PolicyDocument {
  return managerPolicy({
    region: ctx.region,
    account: ctx.account ?? '<account>',
    groups: ctx.spec.groups.map((g) => g.name),
    systemId: ctx.spec.managerName,
    queueName: ctx.spec.queueName,
    instanceConnect: ctx.spec.instanceConnect,
  });
}

export function managerPolicyArn(ctx: SetupContext): string {
  return `arn:aws:iam::${ctx.account ?? '<account>'}:policy/${ctx.spec.managerPolicyName}`;
}

async function planPolicy(ctx: SetupContext): Promise<StepPlan> {
  const { iam } = ctx.clients;
  const name = ctx.spec.managerPolicyName;
  const resource = `manager policy ${name}`;
  const wanted = wantedManagerPolicy(ctx);
  const document = JSON.stringify(wanted);
  const PolicyArn = managerPolicyArn(ctx);
  const found = ctx.account
    ? await readAws('iam:GetPolicy', ['NoSuchEntity', 'NoSuchEntityException'], () =>
        iam.send(new GetPolicyCommand({ PolicyArn })),
      )
    : undefined;
  if (!found?.Policy) {
    return {
      resource,
      action: 'create',
      changes: [`create ${name}: ${document}`],
      apply: async () => {
        await callAws('iam:CreatePolicy', () =>
          iam.send(
            new CreatePolicyCommand({
              PolicyName: name,
              PolicyDocument: JSON.stringify(wantedManagerPolicy(ctx)),
              Description: `spotrunner manager ${ctx.spec.managerName}, runner ${ctx.spec.runnerName}`,
              Tags: [{ Key: SETUP_TAG, Value: ctx.spec.setupId }],
            }),
          ),
        );
      },
    };
  }
  requireOwnTag(resource, tagRecord(found.Policy.Tags), ctx.spec.setupId);
  const version = await callAws('iam:GetPolicyVersion', () =>
    iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: found.Policy!.DefaultVersionId })),
  );
  if (JSON.stringify(decodePolicy(version.PolicyVersion?.Document)) === document)
    return upToDate(resource);
  return {
    resource,
    action: 'update',
    changes: [`new default version: ${document}`],
    apply: async () => {
      const versions = await callAws('iam:ListPolicyVersions', () =>
        iam.send(new ListPolicyVersionsCommand({ PolicyArn })),
      );
      const old = (versions.Versions ?? []).filter((v) => !v.IsDefaultVersion);
      if ((versions.Versions ?? []).length >= 5 && old.length > 0) {
        const oldest = old.sort((a, b) => Number(a.CreateDate) - Number(b.CreateDate))[0]!;
        await callAws('iam:DeletePolicyVersion', () =>
          iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: oldest.VersionId })),
        );
      }
      await callAws('iam:CreatePolicyVersion', () =>
        iam.send(
          new CreatePolicyVersionCommand({
            PolicyArn,
            PolicyDocument: document,
            SetAsDefault: true,
          }),
        ),
      );
    },
  };
}

export const managerPolicyStep: SetupStep = { plan: planPolicy };
