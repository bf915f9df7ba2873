/**
 * The setup every bake test starts from: the AWS double (with one group and its launch template)
 * whose RunInstances creates an instance backed by a real sshd on loopback (test/support/bake-host),
 * real SDK clients signed through a written profile, and the bake's deps wired as the CLI wires them.
 */
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { createHostKeyStore, dialSsh } from '../../src/connect/index.js';
import type { BakeDeps } from '../../src/images/bake-image.js';
import { createEc2BakeCloud } from '../../src/images/ec2-bake-cloud.js';
import { SystemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import {
  createAwsClients,
  destroyAwsClients,
  type AwsClients,
} from '../../src/providers/aws/aws-clients.js';
import { startBakeHost, type BakeHost } from '../support/bake-host.js';
import { startAwsDouble, type AwsDouble } from '../support/aws/aws-double.js';
import type { AwsDoubleBacking } from '../support/aws/double-model.js';
import { writeAwsProfile, type TestAwsProfile } from '../support/aws/aws-profile.js';

export const TEMPLATE = 'spotrunner-workers';

export interface BakeFixture {
  host: BakeHost;
  double: AwsDouble;
  profile: TestAwsProfile;
  clients: Required<AwsClients>;
  /** Fresh deps (progress lines collected in `lines`). */
  deps(lines: string[]): Promise<BakeDeps>;
  builderState(id: string): Promise<string | undefined>;
  image(id: string): Promise<Image | undefined>;
  defaultTemplateImage(): Promise<{ imageId?: string; version?: number }>;
  stop(): Promise<void>;
}

/** Every instance the double launches is the bake host's sshd on 127.0.0.1. */
function loopbackBacking(port: number): AwsDoubleBacking {
  const live = new Set<string>();
  let next = 0;
  return {
    async increase(n) {
      for (let k = 0; k < n; k++) live.add(`builder-${++next}`);
      return n;
    },
    async decrease(ids) {
      return ids.filter((id) => live.delete(id));
    },
    async update() {
      return [...live].map((id) => ({ id, state: 'running' as const }));
    },
    async connectInfo() {
      return { internalAddr: '127.0.0.1', port };
    },
  };
}

export async function startBakeFixture(): Promise<BakeFixture> {
  const host = await startBakeHost();
  const double = await startAwsDouble({
    backing: loopbackBacking(host.sshd.port),
    groups: [{ name: 'workers', max: 4, launchTemplate: { name: TEMPLATE } }],
  });
  const profile = await writeAwsProfile({ region: double.region });
  const clients = createAwsClients({
    profile: profile.profile,
    configFile: profile.configFile,
    credentialsFile: profile.credentialsFile,
    endpoint: double.endpoint,
    maxAttempts: 1,
  });
  const clock = new SystemClock();
  return {
    host,
    double,
    profile,
    clients,
    async deps(lines) {
      const hostKeys = await createHostKeyStore({ logger: silentLogger });
      return {
        cloud: createEc2BakeCloud({ ec2: clients.ec2, clock }, { pollMs: 20 }),
        clock,
        logger: silentLogger,
        progress: (line) => lines.push(line),
        dial: (id, address, signal) =>
          dialSsh(
            { clock, logger: silentLogger },
            {
              id,
              os: 'linux',
              arch: 'amd64',
              protocol: 'ssh',
              port: host.sshd.port,
              username: host.username,
              privateKey: host.privateKey,
              internalAddr: address.privateIp ?? '',
            },
            { hostKeys, ...(signal ? { signal } : {}) },
          ),
      };
    },
    async builderState(id) {
      await double.controls.settled();
      const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
    },
    async image(id) {
      const out = await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
      return out.Images?.[0];
    },
    async defaultTemplateImage() {
      const out = await clients.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateName: TEMPLATE,
          Versions: ['$Default'],
        }),
      );
      const v = out.LaunchTemplateVersions?.[0];
      return {
        ...(v?.LaunchTemplateData?.ImageId ? { imageId: v.LaunchTemplateData.ImageId } : {}),
        ...(v?.VersionNumber !== undefined ? { version: v.VersionNumber } : {}),
      };
    },
    async stop() {
      destroyAwsClients(clients);
      await double.stop();
      await profile.remove();
      await host.stop();
    },
  };
}
