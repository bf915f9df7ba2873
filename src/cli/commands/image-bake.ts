/**
 * `spotrunner image bake [DIR]`: discovers the images (as `image discover`), then bakes them into
 * an AMI over SSH and makes it the launch template's default — or, with `--packer FILE`, writes
 * a Packer template doing the same. SIGINT/SIGTERM stop the bake and clean up what it made.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { createHostKeyStore, dialSsh } from '../../connect/index.js';
import { bakeImage, type BakeResult } from '../../images/bake-image.js';
import { createDockerLocalImages } from '../../images/docker-local-images.js';
import { createEc2BakeCloud } from '../../images/ec2-bake-cloud.js';
import { renderPackerTemplate } from '../../images/packer-template.js';
import { SystemClock } from '../../platform/clock.js';
import { UserError, describeError } from '../../platform/errors.js';
import { createLogger, silentLogger } from '../../platform/logger.js';
import { createAwsClients, destroyAwsClients } from '../../providers/aws/aws-clients.js';
import { println, type CliContext } from '../cli-context.js';
import { addDiscoverFlags, discoverForCli, type DiscoverFlags } from './image-discover.js';

interface BakeFlags extends DiscoverFlags {
  launchTemplate?: string;
  baseAmi?: string;
  instanceType?: string;
  subnet?: string;
  securityGroup?: string[];
  keyName?: string;
  sshKey?: string;
  sshUser: string;
  sshPort: string;
  publicIp?: boolean;
  helperImage: string;
  copyHelper?: boolean;
  image?: string[];
  amiName?: string;
  tag?: Record<string, string>;
  packer?: string;
  region?: string;
  profile?: string;
  awsConfigFile?: string;
  awsCredentialsFile?: string;
  endpoint?: string;
  pollInterval: string;
  json?: boolean;
  verbose?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function collectTag(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`--tag expects KEY=VALUE, got "${text}"`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

function defaultAmiName(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\..*$/, '')
    .replace('T', '-');
  return `spotrunner-workers-${stamp}`;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new UserError(`${flag} expects a positive integer, got "${text}"`);
  return n;
}

async function writePacker(ctx: CliContext, flags: BakeFlags, images: string[]): Promise<void> {
  if (!flags.baseAmi) throw new UserError('--packer needs --base-ami (the AMI Packer starts from)');
  const file = resolve(ctx.cwd, flags.packer!);
  await writeFile(
    file,
    renderPackerTemplate({
      region: flags.region ?? 'us-east-1',
      baseImageId: flags.baseAmi,
      instanceType: flags.instanceType ?? 't3.medium',
      sshUsername: flags.sshUser,
      amiNamePrefix: flags.amiName ?? 'spotrunner-workers',
      images,
      helperImage: flags.helperImage,
      ...(flags.subnet ? { subnetId: flags.subnet } : {}),
      ...(flags.securityGroup ? { securityGroupIds: flags.securityGroup } : {}),
      ...(flags.launchTemplate ? { launchTemplate: flags.launchTemplate } : {}),
      ...(flags.tag ? { tags: flags.tag } : {}),
    }),
  );
  println(
    ctx.stdout,
    `wrote ${flags.packer} (${images.length} images); run: packer init ${flags.packer} && packer build ${flags.packer}`,
  );
}

async function runBake(
  ctx: CliContext,
  flags: BakeFlags,
  images: string[],
  signal: AbortSignal,
): Promise<BakeResult> {
  if (!flags.launchTemplate)
    throw new UserError('say which launch template: --launch-template NAME|ID');
  if (!flags.sshKey)
    throw new UserError('say how to log in to the builder: --ssh-key FILE (and --key-name)');
  const privateKey = await readFile(resolve(ctx.cwd, flags.sshKey), 'utf8').catch(
    (err: unknown) => {
      throw new UserError(`cannot read --ssh-key ${flags.sshKey}: ${describeError(err)}`);
    },
  );
  const clock = new SystemClock();
  const logger = flags.verbose
    ? createLogger({ level: 'debug', destination: ctx.stderr })
    : silentLogger;
  const clients = createAwsClients({
    maxAttempts: 5,
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.awsConfigFile ? { configFile: resolve(ctx.cwd, flags.awsConfigFile) } : {}),
    ...(flags.awsCredentialsFile
      ? { credentialsFile: resolve(ctx.cwd, flags.awsCredentialsFile) }
      : {}),
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
  });
  const hostKeys = await createHostKeyStore({ logger });
  const port = positiveInt(flags.sshPort, '--ssh-port');
  try {
    return await bakeImage(
      {
        cloud: createEc2BakeCloud(
          { ec2: clients.ec2, clock },
          { pollMs: positiveInt(flags.pollInterval, '--poll-interval') },
        ),
        clock,
        logger,
        progress: (line) => println(ctx.stderr, line),
        ...(flags.copyHelper
          ? {
              localImages: createDockerLocalImages(
                new Docker({ socketPath: '/var/run/docker.sock' }),
              ),
            }
          : {}),
        dial: (id, address, sig) =>
          dialSsh(
            { clock, logger },
            {
              id,
              os: 'linux',
              arch: 'amd64',
              protocol: 'ssh',
              port,
              username: flags.sshUser,
              privateKey,
              ...(address.privateIp ? { internalAddr: address.privateIp } : {}),
              ...(address.publicIp ? { externalAddr: address.publicIp } : {}),
              useExternalAddr: flags.publicIp ?? false,
            },
            { hostKeys, ...(sig ? { signal: sig } : {}) },
          ),
      },
      {
        launchTemplate: flags.launchTemplate,
        images,
        helperImage: flags.helperImage,
        ...(flags.copyHelper ? { copyHelper: true } : {}),
        amiName: flags.amiName ?? defaultAmiName(clock.now()),
        ...(flags.baseAmi ? { baseImageId: flags.baseAmi } : {}),
        ...(flags.instanceType ? { instanceType: flags.instanceType } : {}),
        ...(flags.subnet ? { subnetId: flags.subnet } : {}),
        ...(flags.securityGroup ? { securityGroupIds: flags.securityGroup } : {}),
        ...(flags.keyName ? { keyName: flags.keyName } : {}),
        ...(flags.tag ? { tags: flags.tag } : {}),
      },
      signal,
    );
  } finally {
    destroyAwsClients(clients);
  }
}

export function registerImageBakeCommand(image: Command, ctx: CliContext): void {
  addDiscoverFlags(
    image
      .command('bake')
      .description('bake the discovered images into an AMI and make it the launch template default')
      .argument('[dir]', 'project directory with .gitlab-ci.yml', '.')
      .option('--launch-template <name|id>', 'the workers’ launch template')
      .option('--base-ami <ami>', 'AMI to start from (default: the template’s)')
      .option('--instance-type <type>', 'builder instance type (default: the template’s)')
      .option('--subnet <id>', 'builder subnet')
      .option('--security-group <id>', 'builder security group (repeatable)', collect)
      .option('--key-name <name>', 'EC2 key pair for the builder')
      .option('--ssh-key <file>', 'private key for that key pair')
      .option('--ssh-user <user>', 'login user of the base AMI', 'ubuntu')
      .option('--ssh-port <port>', 'SSH port of the builder', '22')
      .option('--public-ip', 'dial the builder’s public address')
      .option('--helper-image <image>', 'helper image to bake in', 'spotrunner-helper:latest')
      .option('--copy-helper', "copy the helper image from this machine's Docker engine")
      .option('--image <image>', 'one more image (repeatable)', collect)
      .option('--ami-name <name>', 'AMI name (default spotrunner-workers-<UTC time>)')
      .option('--tag <KEY=VALUE>', 'AMI tag (repeatable)', collectTag)
      .option('--packer <file>', 'write a Packer template instead of baking')
      .option('--region <region>', 'AWS region')
      .option('--profile <name>', 'AWS profile')
      .option('--aws-config-file <file>', 'AWS config file')
      .option('--aws-credentials-file <file>', 'AWS credentials file')
      .option('--endpoint <url>', 'an EC2-compatible endpoint instead of AWS')
      .option('--poll-interval <ms>', 'between EC2 status polls', '15000')
      .option('--json', 'print the result as JSON')
      .option('-v, --verbose', 'log SSH and AWS details to stderr'),
  ).action(async (dir: string, flags: BakeFlags) => {
    const discovered = await discoverForCli(ctx, dir, flags);
    const images = [...discovered.images.map((i) => i.name), ...(flags.image ?? [])];
    if (flags.packer !== undefined) return writePacker(ctx, flags, images);
    const controller = new AbortController();
    const remove = ctx.onSignal((sig) => {
      println(ctx.stderr, `${sig}: stopping the bake and cleaning up`);
      ctx.setExitCode(sig === 'SIGINT' ? 130 : 143);
      controller.abort(new UserError(`bake interrupted by ${sig}`, 'canceled'));
    });
    try {
      println(ctx.stderr, `baking ${images.length} images: ${images.join(', ')}`);
      const result = await runBake(ctx, flags, images, controller.signal);
      if (flags.json) println(ctx.stdout, JSON.stringify(result, null, 2));
      else println(ctx.stdout, result.imageId);
    } catch (err: unknown) {
      if (controller.signal.aborted) {
        println(ctx.stderr, `bake interrupted (${describeError(err)})`);
        return;
      }
      throw err;
    } finally {
      remove();
    }
  });
}
