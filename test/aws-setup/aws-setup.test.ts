/**
 * `spotrunner aws setup` against the AWS double with the real SDK: a dry run changes nothing,
 * setup makes everything and reads it back, a second setup changes nothing, verify passes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { awsGroupCheck } from '../../src/app/aws-checks.js';
import { loadConfig } from '../../src/config/index.js';
import { startSetupHarness, type SetupHarness } from './setup-harness.js';

let h: SetupHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('spotrunner aws setup', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    h = await startSetupHarness();
    const run = await h.spotrunner('aws', 'setup', '--config', h.configFile, '--dry-run');
    expect(run.error).toBeUndefined();
    expect(run.out).toContain('+ launch template spotrunner-ci-spot');
    expect(run.out).toContain('+ spot group ci-spot');
    expect(run.out).toContain('+ on-demand fallback group ci-on-demand');
    expect(run.out).toContain('+ cache bucket spotrunner-test-cache');
    expect(run.out).toMatch(/dry run: \d+ resource\(s\) would change/);
    expect(h.mutations()).toEqual([]);
  });

  it('creates everything, reads it back, and a second setup changes nothing', async () => {
    h = await startSetupHarness();
    const first = await h.spotrunner('aws', 'setup', '--config', h.configFile);
    expect(first.error).toBeUndefined();
    expect(first.out).toContain('✓ spot group ci-spot: created');
    const { ec2, autoscaling, s3, iam, events } = h.clients.clients;

    const groups = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['ci-spot', 'ci-on-demand'] }),
    );
    const spot = groups.AutoScalingGroups!.find((g) => g.AutoScalingGroupName === 'ci-spot')!;
    expect(spot.MinSize).toBe(0);
    expect(spot.DesiredCapacity).toBe(0);
    expect(spot.MaxSize).toBe(4);
    expect(spot.NewInstancesProtectedFromScaleIn).toBe(true);
    expect(spot.CapacityRebalance).toBe(false);
    expect(spot.SuspendedProcesses?.map((p) => p.ProcessName)).toContain('AZRebalance');
    expect(spot.VPCZoneIdentifier).toBe('subnet-aaa,subnet-bbb');
    const dist = spot.MixedInstancesPolicy?.InstancesDistribution;
    expect(dist?.OnDemandPercentageAboveBaseCapacity).toBe(0);
    expect(dist?.SpotAllocationStrategy).toBe('price-capacity-optimized');
    expect(
      spot.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType),
    ).toEqual(['m7g.large', 'm6g.large', 'c7g.xlarge']);
    const fallback = groups.AutoScalingGroups!.find(
      (g) => g.AutoScalingGroupName === 'ci-on-demand',
    )!;
    expect(
      fallback.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity,
    ).toBe(100);

    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'spotrunner-ci-spot',
        Versions: ['$Default'],
      }),
    );
    const data = versions.LaunchTemplateVersions![0]!.LaunchTemplateData!;
    expect(data.ImageId).toBe('ami-0a1b2c3d4e5f6a7b8'); // the AL2023 arm64 SSM parameter
    expect(data.MetadataOptions?.HttpTokens).toBe('required');
    expect(data.BlockDeviceMappings?.[0]?.Ebs).toMatchObject({
      VolumeType: 'gp3',
      Encrypted: true,
      VolumeInitializationRate: 100,
    });
    expect(Buffer.from(data.UserData!, 'base64').toString()).toContain('dnf install -y git docker');

    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'spotrunner-test-cache' }));
    expect(
      enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
    const life = await s3.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: 'spotrunner-test-cache' }),
    );
    expect(life.Rules?.[0]?.Expiration?.Days).toBe(14);
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'spotrunner-test-cache' }));
    expect(pab.PublicAccessBlockConfiguration?.RestrictPublicBuckets).toBe(true);

    const profile = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: 'spotrunner-ci-spot-instance' }),
    );
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([
      'spotrunner-ci-spot-instance',
    ]);
    const arn = 'arn:aws:iam::123456789012:policy/spotrunner-ci-spot-manager';
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const doc = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy!.DefaultVersionId }),
    );
    const statements = JSON.parse(decodeURIComponent(doc.PolicyVersion!.Document!)) as {
      Statement: { Sid: string; Resource: unknown }[];
    };
    expect(statements.Statement.find((s) => s.Sid === 'DriveTheGroups')?.Resource).toEqual([
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/ci-spot',
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/ci-on-demand',
    ]);
    const targets = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'spotrunner-ci-spot-interruptions' }),
    );
    expect(targets.Targets?.[0]?.Arn).toBe(
      'arn:aws:sqs:us-east-1:123456789012:spotrunner-ci-spot-interruptions',
    );

    const before = h.mutations().length;
    const second = await h.spotrunner('aws', 'setup', '--config', h.configFile);
    expect(second.error).toBeUndefined();
    expect(second.out).toContain('nothing to change');
    expect(h.mutations().length).toBe(before);

    const { config } = await loadConfig(h.configFile, { env: {} });
    const verdict = await awsGroupCheck()(config.runners[0]!, config);
    expect(verdict?.lines).toEqual([
      '✓ aws primary group "ci-spot": set up as spotrunner needs it',
      '✓ aws fallback group "ci-on-demand": set up as spotrunner needs it',
    ]);
    expect(verdict?.ok).toBe(true);
  });
});

describe('spotrunner aws setup on an existing setup', () => {
  it('updates what changed (config and drift), reads it back, and is a no-op again', async () => {
    h = await startSetupHarness();
    expect((await h.spotrunner('aws', 'setup', '--config', h.configFile)).error).toBeUndefined();
    h.double.controls.updateGroup('ci-spot', {
      protectFromScaleIn: false,
      suspendedProcesses: [],
      capacityRebalance: true,
    });
    const changed = await h.writeConfig(
      'changed.toml',
      '    ami = "ami-0123456789abcdef0"\n    cache_expiry_days = 30\n    volume_size_gib = 50',
    );
    const before = h.mutations().length;
    const update = await h.spotrunner('aws', 'setup', '--config', changed);
    expect(update.error).toBeUndefined();
    expect(update.out).toContain('~ launch template spotrunner-ci-spot');
    expect(update.out).toContain('~ spot group ci-spot');
    expect(update.out).toContain('suspend AZRebalance');
    expect(update.out).toContain('objects expire after 30 days');
    expect(h.mutations().slice(before)).toEqual([
      'ec2:CreateLaunchTemplateVersion',
      'ec2:ModifyLaunchTemplate',
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:SuspendProcesses',
    ]);
    const { ec2 } = h.clients.clients;
    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'spotrunner-ci-spot',
        Versions: ['$Default'],
      }),
    );
    const v = versions.LaunchTemplateVersions![0]!;
    expect(v.VersionNumber).toBe(2);
    expect(v.LaunchTemplateData?.ImageId).toBe('ami-0123456789abcdef0');
    expect(v.LaunchTemplateData?.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize).toBe(50);
    const again = await h.spotrunner('aws', 'setup', '--config', changed);
    expect(again.out).toContain('nothing to change');
  });
});
