/**
 * The instances' role and instance profile: trusted by EC2, tagged as setup's, with one inline
 * policy letting jobs use the cache bucket's objects (nothing else: add your own policies to
 * the role for more).
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { callAws } from '../providers/aws/aws-errors.js';
import { SETUP_TAG } from './setup-clients.js';
import {
  readAws,
  requireOwnTag,
  tagRecord,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';

export const INSTANCE_POLICY_NAME = 'spotrunner-instance';
const NO_ENTITY = ['NoSuchEntity', 'NoSuchEntityException'];

export const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

export function instancePolicy(bucket: string | undefined): object {
  return {
    Version: '2012-10-17',
    Statement: bucket
      ? [
          {
            Sid: 'CacheObjects',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ]
      : [{ Sid: 'Nothing', Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }],
  };
}

/** IAM returns policy documents URL-encoded. */
export function decodePolicy(text: string | undefined): unknown {
  if (!text) return undefined;
  return JSON.parse(decodeURIComponent(text)) as unknown;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

async function planRole(ctx: SetupContext): Promise<StepPlan> {
  const { iam } = ctx.clients;
  const { roleName: RoleName, instanceProfileName, setupId } = ctx.spec;
  const resource = `instance role and profile ${RoleName}`;
  const tags = [{ Key: SETUP_TAG, Value: setupId }];
  const policy = instancePolicy(ctx.spec.bucket?.name);
  const role = await readAws('iam:GetRole', NO_ENTITY, () =>
    iam.send(new GetRoleCommand({ RoleName })),
  );
  if (role?.Role) {
    requireOwnTag(`IAM role ${RoleName}`, tagRecord(role.Role.Tags), setupId);
    ctx.account = role.Role.Arn?.split(':')[4];
  }
  const inline = role
    ? await readAws('iam:GetRolePolicy', NO_ENTITY, () =>
        iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: INSTANCE_POLICY_NAME })),
      )
    : undefined;
  const profile = await readAws('iam:GetInstanceProfile', NO_ENTITY, () =>
    iam.send(new GetInstanceProfileCommand({ InstanceProfileName: instanceProfileName })),
  );
  if (profile?.InstanceProfile)
    requireOwnTag(
      `instance profile ${instanceProfileName}`,
      tagRecord(profile.InstanceProfile.Tags),
      setupId,
    );
  const steps: { line: string; run: () => Promise<unknown> }[] = [];
  const trust = JSON.stringify(EC2_TRUST);
  if (!role)
    steps.push({
      line: `create role ${RoleName} (trusted by ec2.amazonaws.com)`,
      run: () =>
        iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, Tags: tags })),
    });
  else if (!same(decodePolicy(role.Role?.AssumeRolePolicyDocument), EC2_TRUST))
    steps.push({
      line: 'trust policy → ec2.amazonaws.com only',
      run: () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: trust })),
    });
  if (!same(decodePolicy(inline?.PolicyDocument), policy))
    steps.push({
      line: `inline policy ${INSTANCE_POLICY_NAME}: ${JSON.stringify(policy)}`,
      run: () =>
        iam.send(
          new PutRolePolicyCommand({
            RoleName,
            PolicyName: INSTANCE_POLICY_NAME,
            PolicyDocument: JSON.stringify(policy),
          }),
        ),
    });
  if (!profile)
    steps.push({
      line: `create instance profile ${instanceProfileName}`,
      run: () =>
        iam.send(
          new CreateInstanceProfileCommand({
            InstanceProfileName: instanceProfileName,
            Tags: tags,
          }),
        ),
    });
  const roles = profile?.InstanceProfile?.Roles?.map((r) => r.RoleName) ?? [];
  if (!roles.includes(RoleName))
    steps.push({
      line: `add role ${RoleName} to the profile`,
      run: () =>
        iam.send(
          new AddRoleToInstanceProfileCommand({
            InstanceProfileName: instanceProfileName,
            RoleName,
          }),
        ),
    });
  return {
    resource,
    action: !role ? 'create' : steps.length ? 'update' : 'none',
    changes: steps.map((s) => s.line),
    async apply() {
      for (const s of steps) await callAws(`iam: ${s.line}`, s.run);
      if (!ctx.account) {
        const made = await callAws('iam:GetRole', () => iam.send(new GetRoleCommand({ RoleName })));
        ctx.account = made.Role?.Arn?.split(':')[4];
      }
    },
  };
}

export const instanceRoleStep: SetupStep = { plan: planRole };
