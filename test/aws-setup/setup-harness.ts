/**
 * An AWS double, a signed profile and a config.toml for one aws runner with a fallback group and
 * an S3 cache, plus the `spotrunner aws …` CLI run in process against them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createSetupClients } from '../../src/app/aws-setup-clients.js';
import type { BuiltSetupClients } from '../../src/aws-setup/setup-clients.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerAwsCommand } from '../../src/cli/commands/aws.js';
import { createProgram } from '../../src/cli/program.js';
import { startAwsDouble, type AwsDouble } from '../support/aws/aws-double.js';
import { writeAwsProfile, type TestAwsProfile } from '../support/aws/aws-profile.js';
import { createIdBacking } from '../support/aws/id-backing.js';

export interface SetupHarness {
  double: AwsDouble;
  profile: TestAwsProfile;
  configFile: string;
  /** Writes another config.toml for the same double with other aws_setup lines. */
  writeConfig(name: string, extraSetup: string): Promise<string>;
  clients: BuiltSetupClients;
  spotrunner(...args: string[]): Promise<{ out: string; code: number; error?: Error }>;
  /** Actions the double received that change something. */
  mutations(): string[];
  stop(): Promise<void>;
}

const READ_ONLY = /^(Describe|Get|List|Head)/;

export async function startSetupHarness(extraSetup = ''): Promise<SetupHarness> {
  const double = await startAwsDouble({
    backing: createIdBacking(),
    groups: [{ name: 'someone-else', max: 2 }],
  });
  const profile = await writeAwsProfile({ region: double.region });
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-aws-setup-'));
  const configFile = path.join(dir, 'config.toml');
  const configText = (extra: string): string => `concurrent = 4
[[runners]]
  name = "aws-spot"
  url = "https://gitlab.example.com"
  token = "glrt-setup-test-token"
  executor = "docker-autoscaler"
  [runners.cache]
    Type = "s3"
    [runners.cache.s3]
      BucketName = "spotrunner-test-cache"
      BucketLocation = "us-east-1"
  [runners.spotrunner.fallback]
    plugin = "aws"
    [runners.spotrunner.fallback.plugin_config]
      name = "ci-on-demand"
      region = "us-east-1"
      endpoint = "${double.endpoint}"
      profile = "${profile.profile}"
      config_file = "${profile.configFile}"
      credentials_file = "${profile.credentialsFile}"
  [runners.spotrunner.aws_setup]
    arch = "arm64"
    instance_types = ["m7g.large", "m6g.large", "c7g.xlarge"]
    subnets = ["subnet-aaa", "subnet-bbb"]
    security_groups = ["sg-0123"]
${extra}
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 1
    max_instances = 4
    [runners.autoscaler.plugin_config]
      name = "ci-spot"
      region = "us-east-1"
      endpoint = "${double.endpoint}"
      profile = "${profile.profile}"
      config_file = "${profile.configFile}"
      credentials_file = "${profile.credentialsFile}"
      max_attempts = 1
    [runners.autoscaler.connector_config]
      username = "ec2-user"
    [[runners.autoscaler.policy]]
      idle_count = 0
`;
  await writeFile(configFile, configText(extraSetup));
  const clients = await createSetupClients({
    profile: profile.profile,
    configFile: profile.configFile,
    credentialsFile: profile.credentialsFile,
    endpoint: double.endpoint,
    maxAttempts: 1,
  });
  return {
    double,
    profile,
    configFile,
    async writeConfig(name, extra) {
      const file = path.join(dir, name);
      await writeFile(file, configText(extra));
      return file;
    },
    clients,
    async spotrunner(...args) {
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      let code = 0;
      const ctx: CliContext = {
        env: {},
        stdout,
        stderr: stdout,
        cwd: dir,
        version: 'test',
        isTTY: false,
        onSignal: () => () => undefined,
        setExitCode: (c) => {
          code = c;
        },
      };
      const program = createProgram(ctx, [(p, c) => registerAwsCommand(p, c, createSetupClients)]);
      try {
        await program.parseAsync(['node', 'spotrunner', ...args]);
        return { out, code };
      } catch (err: unknown) {
        return { out, code: 2, error: err as Error };
      }
    },
    mutations() {
      return double.controls.requests
        .filter((r) => !READ_ONLY.test(r.action))
        .map((r) => `${r.service}:${r.action}`);
    },
    async stop() {
      clients.destroy();
      await double.stop();
      await profile.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
