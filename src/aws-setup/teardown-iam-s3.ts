/** Teardown of the cache bucket (only when empty) and the IAM resources setup made. */
import {
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteBucketCommand, GetBucketTaggingCommand } from '@aws-sdk/client-s3';
import { awsErrorFacts, callAws } from '../providers/aws/aws-errors.js';
import type { reporter, TeardownDeps } from './run-teardown.js';
import { SETUP_TAG } from './setup-clients.js';
import type { SetupSpec } from './setup-settings.js';
import { readAws, tagRecord } from './setup-step.js';

type Report = ReturnType<typeof reporter>;
const NO_ENTITY = ['NoSuchEntity', 'NoSuchEntityException'];

export async function teardownBucket(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: Report,
): Promise<void> {
  if (!spec.bucket) return;
  const { s3 } = deps.clients;
  const Bucket = spec.bucket.name;
  const resource = `cache bucket ${Bucket}`;
  const tagging = await readAws('s3:GetBucketTagging', ['NoSuchBucket', 'NoSuchTagSet'], () =>
    s3.send(new GetBucketTaggingCommand({ Bucket })),
  );
  if (!tagging) return report(resource, 'absent');
  if (tagRecord(tagging.TagSet)[SETUP_TAG] !== spec.setupId) return report(resource, 'not ours');
  try {
    await s3.send(new DeleteBucketCommand({ Bucket }));
    report(resource, 'removed');
  } catch (err: unknown) {
    if (awsErrorFacts(err).awsCode !== 'BucketNotEmpty') throw err;
    report(resource, 'kept', 'not empty: empty it yourself if the cache may go');
  }
}

async function teardownRole(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: Report,
): Promise<string | undefined> {
  const { iam } = deps.clients;
  const RoleName = spec.roleName;
  const InstanceProfileName = spec.instanceProfileName;
  const profile = await readAws('iam:GetInstanceProfile', NO_ENTITY, () =>
    iam.send(new GetInstanceProfileCommand({ InstanceProfileName })),
  );
  const profileLabel = `instance profile ${InstanceProfileName}`;
  if (!profile?.InstanceProfile) report(profileLabel, 'absent');
  else if (tagRecord(profile.InstanceProfile.Tags)[SETUP_TAG] !== spec.setupId)
    report(profileLabel, 'not ours');
  else {
    for (const role of profile.InstanceProfile.Roles ?? [])
      await callAws('iam:RemoveRoleFromInstanceProfile', () =>
        iam.send(
          new RemoveRoleFromInstanceProfileCommand({
            InstanceProfileName,
            RoleName: role.RoleName,
          }),
        ),
      );
    await callAws('iam:DeleteInstanceProfile', () =>
      iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName })),
    );
    report(profileLabel, 'removed');
  }
  const role = await readAws('iam:GetRole', NO_ENTITY, () =>
    iam.send(new GetRoleCommand({ RoleName })),
  );
  const roleLabel = `instance role ${RoleName}`;
  if (!role?.Role) {
    report(roleLabel, 'absent');
    return undefined;
  }
  const account = role.Role.Arn?.split(':')[4];
  if (tagRecord(role.Role.Tags)[SETUP_TAG] !== spec.setupId) {
    report(roleLabel, 'not ours');
    return account;
  }
  const inline = await callAws('iam:ListRolePolicies', () =>
    iam.send(new ListRolePoliciesCommand({ RoleName })),
  );
  for (const PolicyName of inline.PolicyNames ?? [])
    await callAws('iam:DeleteRolePolicy', () =>
      iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })),
    );
  await callAws('iam:DeleteRole', () => iam.send(new DeleteRoleCommand({ RoleName })));
  report(roleLabel, 'removed');
  return account;
}

export async function teardownIam(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: Report,
): Promise<void> {
  const { iam } = deps.clients;
  const account = await teardownRole(deps, spec, report);
  const label = `manager policy ${spec.managerPolicyName}`;
  if (!account)
    return report(label, 'kept', 'account unknown without the instance role; delete it yourself');
  const PolicyArn = `arn:aws:iam::${account}:policy/${spec.managerPolicyName}`;
  const policy = await readAws('iam:GetPolicy', NO_ENTITY, () =>
    iam.send(new GetPolicyCommand({ PolicyArn })),
  );
  if (!policy?.Policy) return report(label, 'absent');
  if (tagRecord(policy.Policy.Tags)[SETUP_TAG] !== spec.setupId) return report(label, 'not ours');
  const versions = await callAws('iam:ListPolicyVersions', () =>
    iam.send(new ListPolicyVersionsCommand({ PolicyArn })),
  );
  for (const v of versions.Versions ?? [])
    if (!v.IsDefaultVersion)
      await callAws('iam:DeletePolicyVersion', () =>
        iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: v.VersionId })),
      );
  try {
    await iam.send(new DeletePolicyCommand({ PolicyArn }));
    report(label, 'removed');
  } catch (err: unknown) {
    if (awsErrorFacts(err).awsCode !== 'DeleteConflict') throw err;
    report(label, 'kept', 'still attached: detach it from the manager first');
  }
}
