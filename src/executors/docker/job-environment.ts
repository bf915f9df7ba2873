/**
 * Everything one job has on the instance's Docker daemon: images made available, the job
 * network, the build (and cache) volumes, the long-lived helper container, the services and
 * the build containers. Independent steps run concurrently (images ∥ network ∥ volumes, then
 * helper ∥ services ∥ first build container) to keep the time to the first script line low;
 * every concurrent step settles before an error is raised, so cleanup sees all it made.
 */
import type Docker from 'dockerode';
import type { CompiledDocker } from '../../config/types.js';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { JobTimings, TraceSink } from '../executor.js';
import { BufferedTrace } from './buffered-trace.js';
import {
  hostConfig,
  jobLabels,
  planMounts,
  type JobIdentity,
  type MountPlan,
} from './container-config.js';
import {
  ensureImage,
  pullWallMs,
  type ImageInfo,
  type ImageRequest,
  type PullInterval,
} from './image-puller.js';
import type { ImagePlan } from './image-plan.js';
import { JobResources, type RemovalReport } from './job-resources.js';
import { timed, type PhaseListener } from './phases.js';
import {
  createContainer,
  createServiceContainer,
  startService,
  waitForService,
  type ServiceSpec,
  type StartedService,
} from './services.js';
import { BuildContainer, DETECT_SHELL_COMMAND, ExecTarget } from './stage-targets.js';

export interface EnvironmentSettings {
  config: CompiledDocker;
  identity: JobIdentity;
  images: ImagePlan;
  services: ServiceSpec[];
  buildsDir: string;
  /** Container user for build containers (`executor_opts.docker.user`, `[runners.docker] user`). */
  user?: string;
  /** Entrypoint override for the build image (`[""]` disables it); undefined = the image's. */
  entrypoint?: string[];
  /** Command reading a stage script on stdin in the helper. */
  helperShell: string[];
  waitForServicesMs: number;
}

export interface EnvironmentDeps {
  docker: Docker;
  clock: Clock;
  logger: Logger;
  trace: TraceSink;
  onPhase?: PhaseListener;
  /** Hears the wall time spent pulling images once they are all there (or failed). */
  timings?: JobTimings;
}

const HELPER_COMMAND = ['sh', '-c', 'while :; do sleep 3600; done'];

export class DockerJobEnvironment {
  readonly resources: JobResources;
  readonly network: string;
  readonly mounts: MountPlan;
  readonly #deps: EnvironmentDeps;
  readonly #s: EnvironmentSettings;
  #helper: Docker.Container | undefined;
  #servicesStarted: Promise<StartedService[]> = Promise.resolve([]);
  #servicesReady: Promise<string[]> | undefined;
  #nextBuild: Promise<BuildContainer> | undefined;
  #builds = 0;

  constructor(deps: EnvironmentDeps, settings: EnvironmentSettings) {
    this.#deps = deps;
    this.#s = settings;
    this.resources = new JobResources(deps, settings.identity.runId);
    this.network = `${settings.identity.prefix}-network`;
    this.mounts = planMounts(settings.config, settings.identity, settings.buildsDir);
  }

  /**
   * Pulls images, creates network and volumes, starts the helper and returns once the helper
   * is up. Services and the first build container keep starting meanwhile (the helper stages
   * do not need them); `servicesReady` and `takeBuildContainer` wait for them.
   */
  async prepare(signal: AbortSignal): Promise<void> {
    const { images } = this.#s;
    const logs = [images.build, images.helper, ...images.services].map(() => new BufferedTrace());
    const intervals: PullInterval[] = [];
    const pulls = [images.build, images.helper, ...images.services].map((req, i) =>
      this.#image(req, logs[i]!, signal, intervals),
    );
    const on = this.#deps.onPhase;
    const pulled = timed(on, 'images', () => settleAll(pulls)).finally(() =>
      this.#deps.timings?.imagesPulled(pullWallMs(intervals)),
    );
    await settleAll<unknown>([
      pulled,
      timed(on, 'network', () => this.#createNetwork()),
      timed(on, 'volumes', () => this.#createVolumes()),
    ]).finally(() => logs.forEach((log) => log.replayInto(this.#deps.trace)));
    signal.throwIfAborted();
    const serviceImages = (await pulled).slice(2);
    // Container starts share the daemon: the helper goes first, as the next stages need it.
    const helper = timed(on, 'helper', () => this.#startHelper());
    this.#servicesStarted = timed(on, 'services', () => this.#startServices(serviceImages));
    this.#servicesStarted.catch(() => undefined);
    this.#prestartBuild();
    await helper;
  }

  /** The helper container's host name (its short id), as scripts in it see it. */
  get helperHostname(): string {
    return this.#helper?.id.slice(0, 12) ?? '';
  }

  helperTarget(): ExecTarget {
    if (!this.#helper) throw new Error('the helper container is not running');
    return new ExecTarget(this.#helper, this.#s.helperShell, this.#deps.logger);
  }

  /** The pre-started build container, or a new one; `prestartNext` starts the following one. */
  async takeBuildContainer(prestartNext: boolean): Promise<BuildContainer> {
    const build = this.#nextBuild ?? this.#startBuild();
    this.#nextBuild = undefined;
    if (prestartNext) this.#prestartBuild();
    return build;
  }

  /**
   * Waits for the services to start, then for their ports; resolves with warnings for those
   * that never listened, rejects when a service could not be started. Runs once.
   */
  servicesReady(signal: AbortSignal): Promise<string[]> {
    this.#servicesReady ??= this.#servicesStarted.then((started) =>
      this.#waitForServices(started, signal),
    );
    return this.#servicesReady;
  }

  async #waitForServices(services: StartedService[], signal: AbortSignal): Promise<string[]> {
    const helper = this.#helper;
    if (!helper || services.length === 0) return [];
    const results = await Promise.all(
      services.map((s) =>
        waitForService(helper, s, this.#s.waitForServicesMs, signal).catch((err: unknown) => {
          this.#deps.logger.warn(
            { service: s.spec.name, err: describeError(err) },
            'service wait failed',
          );
          return `Service ${s.spec.name}: cannot check its ports (${String(err)})`;
        }),
      ),
    );
    return results.filter((w): w is string => w !== undefined);
  }

  async cleanup(): Promise<RemovalReport> {
    // Whatever is still being created must exist (and be tracked) before removal starts.
    await Promise.allSettled([this.#servicesStarted, this.#nextBuild, this.#servicesReady]);
    return this.resources.removeAll();
  }

  async #image(
    request: ImageRequest,
    log: TraceSink,
    signal: AbortSignal,
    pulls: PullInterval[],
  ): Promise<ImageInfo> {
    const { docker, logger, clock } = this.#deps;
    return ensureImage(
      { docker, trace: log, logger, nowMs: () => clock.now(), onPull: (p) => pulls.push(p) },
      { ...request, signal },
    );
  }

  async #createNetwork(): Promise<void> {
    const mtu = this.#s.config.networkMtu;
    const network = await this.#deps.docker.createNetwork({
      Name: this.network,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: jobLabels(this.#s.identity, 'network'),
      Options: mtu > 0 ? { 'com.docker.network.driver.mtu': String(mtu) } : {},
    });
    this.resources.networks.push(network.id);
  }

  async #createVolumes(): Promise<void> {
    await Promise.all(
      this.mounts.volumes.map(async (v) => {
        if (v.perJob) this.resources.volumes.push(v.name);
        await this.#deps.docker.createVolume({ Name: v.name, Labels: v.labels });
      }),
    );
  }

  async #startHelper(): Promise<void> {
    const { config, identity, images } = this.#s;
    const helper = await createContainer(this.#deps.docker, `${identity.prefix}-helper`, {
      Image: images.helper.name,
      Cmd: HELPER_COMMAND,
      Labels: jobLabels(identity, 'helper'),
      HostConfig: hostConfig(config, {
        binds: this.mounts.binds,
        network: this.network,
        privileged: false,
        limits: false,
      }),
    });
    this.resources.containers.push(helper.id);
    await helper.start();
    this.#helper = helper;
  }

  async #startServices(images: ImageInfo[]): Promise<StartedService[]> {
    const settings = { config: this.#s.config, identity: this.#s.identity, network: this.network };
    const started = await settleAll(
      this.#s.services.map(async (spec, i) => {
        const container = await createServiceContainer(this.#deps.docker, settings, spec, (id) =>
          this.resources.containers.push(id),
        );
        return startService(container, spec, images[i]!, this.network);
      }),
    );
    return started;
  }

  #prestartBuild(): void {
    const next = timed(this.#deps.onPhase, 'build_container', () => this.#startBuild());
    // Awaited when taken or at cleanup; never an unhandled rejection in between.
    next.catch(() => undefined);
    this.#nextBuild = next;
  }

  async #startBuild(): Promise<BuildContainer> {
    const { config, identity, images, user, entrypoint } = this.#s;
    const index = ++this.#builds;
    const container = await createContainer(
      this.#deps.docker,
      `${identity.prefix}-build-${index}`,
      {
        Image: images.build.name,
        Cmd: DETECT_SHELL_COMMAND,
        ...(entrypoint ? { Entrypoint: entrypoint } : {}),
        ...(user ? { User: user } : {}),
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Labels: jobLabels(identity, 'build'),
        HostConfig: hostConfig(config, {
          binds: this.mounts.binds,
          network: this.network,
          privileged: config.privileged,
          limits: true,
        }),
      },
      images.build.platform,
    );
    this.resources.containers.push(container.id);
    return BuildContainer.start(container, this.#deps.logger);
  }
}

/** Like Promise.all, but waits for every promise before rejecting with the first error. */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const values: T[] = [];
  for (const r of results) {
    if (r.status === 'rejected') throw r.reason as Error;
    values.push(r.value);
  }
  return values;
}
