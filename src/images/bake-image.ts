/**
 * `image bake`: a builder instance from the base AMI (the launch template's settings), reached
 * over SSH as the manager reaches workers, Docker and the images put on it, an AMI made from it,
 * tagged, and made the launch template's default. Whatever happens — a failed step, an error
 * from AWS, SIGINT — the builder is terminated, and an AMI the template does not point at yet is
 * deregistered.
 */
import type { InstanceConnection } from '../connect/index.js';
import { throwIfAborted } from '../platform/abort.js';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError, UserError, describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { BakeCloud, BuilderAddress } from './bake-cloud.js';
import { bakeSteps, type BakeStep } from './bake-steps.js';
import { copyImage, type LocalImages } from './copy-image.js';

export interface BakeDeps {
  cloud: BakeCloud;
  clock: Clock;
  logger: Logger;
  /** Opens an SSH connection to the builder (dialSsh with the bake's key and user). */
  dial: (
    instanceId: string,
    address: BuilderAddress,
    signal?: AbortSignal,
  ) => Promise<InstanceConnection>;
  /** This machine's Docker engine, for `copyHelper`. */
  localImages?: LocalImages;
  /** One line per phase and step, for the terminal. */
  progress?: (line: string) => void;
}

export interface BakeOptions {
  launchTemplate: string;
  /** Default: the AMI of the template's default version. */
  baseImageId?: string;
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: readonly string[];
  keyName?: string;
  images: readonly string[];
  helperImage: string;
  /** Copy the helper image from this machine's engine (`docker save | docker load`), not pull it. */
  copyHelper?: boolean;
  amiName: string;
  tags?: Readonly<Record<string, string>>;
  /** How long to keep dialing while sshd comes up (default 5 min). */
  sshReadyTimeoutMs?: number;
  sshRetryMs?: number;
}

export interface BakePhase {
  name: string;
  durationMs: number;
}

export interface BakeResult {
  imageId: string;
  templateId: string;
  templateVersion: number;
  builderId: string;
  phases: BakePhase[];
}

async function dialWhenReady(
  deps: BakeDeps,
  id: string,
  address: BuilderAddress,
  options: BakeOptions,
  signal: AbortSignal | undefined,
): Promise<InstanceConnection> {
  const deadline = deps.clock.now() + (options.sshReadyTimeoutMs ?? 300_000);
  for (;;) {
    try {
      return await deps.dial(id, address, signal);
    } catch (err: unknown) {
      const retryable = err instanceof SpotrunnerError && err.retryable;
      if (!retryable || deps.clock.now() >= deadline) throw err;
      deps.logger.debug({ instanceId: id, err: describeError(err) }, 'builder ssh not ready');
      await deps.clock.sleep(options.sshRetryMs ?? 5_000, signal);
    }
  }
}

async function runStep(
  conn: InstanceConnection,
  step: BakeStep,
  progress: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  let tail = '';
  const collect = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-2_000);
  };
  const result = await conn.exec(step.command, {
    onStdout: collect,
    onStderr: collect,
    processGroup: true,
    ...(signal ? { signal } : {}),
  });
  throwIfAborted(signal);
  const last = tail.trim().split('\n').slice(-1)[0] ?? '';
  if (result.exitCode !== 0) {
    throw new SpotrunnerError(
      'executor',
      `bake step "${step.name}" failed (exit ${result.exitCode ?? result.signal ?? '?'}):\n${tail.trim()}`,
    );
  }
  progress(`  ${step.name}: ${last || 'done'}`);
}

async function copyHelper(
  deps: BakeDeps,
  conn: InstanceConnection,
  image: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!deps.localImages) throw new UserError('--copy-helper needs a local Docker engine');
  const copied = await copyImage(conn, deps.localImages, image, signal);
  const mb = (copied.bytes / 1_048_576).toFixed(1);
  deps.progress?.(`  copy ${image}: ${mb} MB, ${copied.loaded}`);
}

interface Made {
  builderId?: string;
  imageId?: string;
  imageInUse: boolean;
}

async function cleanUp(deps: BakeDeps, made: Made, failed: boolean): Promise<void> {
  const progress = deps.progress ?? ((): void => {});
  if (made.builderId) {
    try {
      await deps.cloud.terminate(made.builderId);
      progress(`builder ${made.builderId} terminated`);
    } catch (err: unknown) {
      deps.logger.error(
        { instanceId: made.builderId, err: describeError(err) },
        'builder not terminated',
      );
      progress(
        `builder ${made.builderId} was NOT terminated: ${describeError(err)} — terminate it by hand`,
      );
    }
  }
  if (failed && made.imageId && !made.imageInUse) {
    try {
      await deps.cloud.deregisterImage(made.imageId);
      progress(`unfinished image ${made.imageId} deregistered`);
    } catch (err: unknown) {
      deps.logger.error(
        { imageId: made.imageId, err: describeError(err) },
        'image not deregistered',
      );
      progress(`image ${made.imageId} was NOT deregistered: ${describeError(err)}`);
    }
  }
}

/** Bakes the image; throws after cleaning up when any step fails or `signal` aborts. */
export async function bakeImage(
  deps: BakeDeps,
  options: BakeOptions,
  signal?: AbortSignal,
): Promise<BakeResult> {
  const { cloud, clock } = deps;
  const progress = deps.progress ?? ((): void => {});
  const phases: BakePhase[] = [];
  // The abort is checked before each phase, never after one: what a phase made (the AMI of
  // CreateImage) must reach `made` so that the cleanup knows about it.
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    const start = clock.now();
    const value = await work();
    phases.push({ name, durationMs: clock.now() - start });
    return value;
  };
  const made: Made = { imageInUse: false };
  let failed = true;
  try {
    const template = await timed('find launch template', () =>
      cloud.findLaunchTemplate(options.launchTemplate, signal),
    );
    const baseImageId = options.baseImageId ?? template.imageId;
    if (!baseImageId)
      throw new UserError(`launch template ${template.name} names no AMI: give --base-ami`);
    progress(
      `launching builder from ${baseImageId} (template ${template.name} v${template.defaultVersion})`,
    );
    made.builderId = await timed('launch builder', () =>
      cloud.launchBuilder(
        {
          template,
          baseImageId,
          ...(options.instanceType ? { instanceType: options.instanceType } : {}),
          ...(options.subnetId ? { subnetId: options.subnetId } : {}),
          ...(options.securityGroupIds ? { securityGroupIds: options.securityGroupIds } : {}),
          ...(options.keyName ? { keyName: options.keyName } : {}),
          tags: { Name: `${options.amiName}-builder`, 'spotrunner:role': 'image-builder' },
        },
        signal,
      ),
    );
    const builderId = made.builderId;
    const address = await timed('wait for builder', () => cloud.waitRunning(builderId, signal));
    progress(`builder ${builderId} running at ${address.privateIp ?? address.publicIp ?? '?'}`);
    const conn = await timed('ssh connect', () =>
      dialWhenReady(deps, builderId, address, options, signal),
    );
    try {
      for (const step of bakeSteps(options.images, options.helperImage)) {
        if (step.kind === 'helper' && options.copyHelper) {
          await timed(`copy ${options.helperImage}`, () =>
            copyHelper(deps, conn, options.helperImage, signal),
          );
        } else await timed(step.name, () => runStep(conn, step, progress, signal));
      }
      await conn.exec('sync');
    } finally {
      await conn.close();
    }
    made.imageId = await timed('create image', () =>
      cloud.createImage(
        builderId,
        options.amiName,
        `spotrunner workers: ${options.images.length} images`,
      ),
    );
    const imageId = made.imageId;
    progress(`image ${imageId} (${options.amiName}) pending`);
    await timed('wait for image', () => cloud.waitImageAvailable(imageId, signal));
    await timed('tag image', () =>
      cloud.tagImage(imageId, {
        Name: options.amiName,
        'spotrunner:images': String(options.images.length),
        ...options.tags,
      }),
    );
    const templateVersion = await timed('update launch template', () =>
      cloud.setTemplateImage(template, imageId),
    );
    made.imageInUse = true;
    progress(
      `launch template ${template.name}: default is now version ${templateVersion} (${imageId})`,
    );
    failed = false;
    return { imageId, templateId: template.id, templateVersion, builderId, phases };
  } finally {
    await cleanUp(deps, made, failed);
  }
}
