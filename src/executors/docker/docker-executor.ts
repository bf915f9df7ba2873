/**
 * The `docker-autoscaler` executor (and `docker` on the manager itself): each job runs in
 * Docker Engine on the instance, reached through the instance connection's tunnel to the
 * Docker socket. Stage scripts come from the shared generator (../script); helper stages run
 * in the helper image (`[runners.docker] helper_image`, default `spotrunner-helper:latest`:
 * bash, git, curl, zip/unzip), user stages in the job image.
 *
 * Given the manager's system id, it labels every job resource with it, and before the first job
 * it runs over a connection to an instance (a fresh start, an instance adopted after a restart,
 * a reconnect) it removes the containers, networks and volumes of this runner's jobs that it is
 * not running (stale-job-resources.ts): what a manager that died mid-job left behind.
 */
import type Docker from 'dockerode';
import type { InstanceConnection } from '../../connect/connection.js';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { ExecutionContext, Executor, JobOutcome } from '../executor.js';
import { finishJob, systemFailure } from '../job-failure.js';
import { createTunnelDocker, dockerSocketPath } from './docker-client.js';
import { DockerJobRun } from './docker-job-run.js';
import type { PhaseListener } from './phases.js';
import { shortenToken } from '../script/build-layout.js';
import { removeStaleJobResources } from './stale-job-resources.js';

/**
 * Helper stages run with umask 0000, as gitlab-runner's docker executor does, so a build
 * container running as another user (`image:docker:user`) can write what they created.
 */
const HELPER_SHELL = ['sh', '-c', 'umask 0000 && exec bash -s'];

export interface DockerExecutorDeps {
  logger: Logger;
  clock: Clock;
  /** The Docker client for an instance; default: dockerode through `connection.openUnixSocket`. */
  dockerFor?: (connection: InstanceConnection) => Docker;
}

export interface DockerExecutorOptions {
  /** Shown as `Preparing the "<name>" executor`; default `docker-autoscaler`. */
  name?: 'docker-autoscaler' | 'docker';
  /** spotrunner's version and revision for the trace header and CI_RUNNER_VERSION. */
  version?: string;
  revision?: string;
  /** Helper image when `[runners.docker] helper_image` is unset; default `spotrunner-helper:latest`. */
  helperImage?: string;
  /** TERM → KILL grace when stopping a stage (default 10 s). */
  killGraceMs?: number;
  /** Wait for a stopped stage to end before killing it outright (default 5 s). */
  settleMs?: number;
  /** after_script timeout unless RUNNER_AFTER_SCRIPT_TIMEOUT says otherwise (default 5 min). */
  afterScriptTimeoutMs?: number;
  /** How long to wait for services' ports (gitlab-runner's wait_for_services_timeout, 30 s). */
  waitForServicesMs?: number;
  /** Phase boundaries, for benchmarks. */
  onPhase?: PhaseListener;
  /**
   * The manager's system id: labelled on job resources (`spotrunner.manager`), and the key to
   * removing what its earlier jobs left on an instance. Without it, neither happens.
   */
  managerId?: string;
}

export function createDockerExecutor(
  deps: DockerExecutorDeps,
  options: DockerExecutorOptions = {},
): Executor {
  const name = options.name ?? 'docker-autoscaler';
  const logger = deps.logger.child({ component: 'executor', executor: name });
  // One client per connection and socket, dropped with the connection.
  const clients = new WeakMap<InstanceConnection, Map<string, Docker>>();
  const dockerFor = (ctx: ExecutionContext): Docker => {
    if (deps.dockerFor) return deps.dockerFor(ctx.connection);
    const socketPath = dockerSocketPath(ctx.runner.docker?.host);
    let bySocket = clients.get(ctx.connection);
    if (!bySocket) clients.set(ctx.connection, (bySocket = new Map<string, Docker>()));
    let docker = bySocket.get(socketPath);
    if (!docker)
      bySocket.set(socketPath, (docker = createTunnelDocker(ctx.connection, { socketPath })));
    return docker;
  };
  /** Runs in progress per job id (a rescued job may overlap its first run). */
  const running = new Map<number, number>();
  /**
   * Per connection and socket: the removal of earlier jobs' resources, done once — again after a
   * reconnect, since a dropped connection can leave a job's resources behind.
   */
  const swept = new WeakMap<InstanceConnection, Map<string, Promise<void>>>();
  const sweepOnce = (ctx: ExecutionContext, docker: Docker): Promise<void> => {
    const managerId = options.managerId;
    if (!managerId) return Promise.resolve();
    const key = dockerSocketPath(ctx.runner.docker?.host);
    let bySocket = swept.get(ctx.connection);
    if (!bySocket) swept.set(ctx.connection, (bySocket = new Map<string, Promise<void>>()));
    const done = bySocket;
    let sweep = done.get(key);
    if (!sweep) {
      const filter = { managerId, shortToken: shortenToken(ctx.runner.token) };
      sweep = sweepStaleJobs({ ...deps, logger, docker }, ctx.instance.id, {
        ...filter,
        isRunning: (jobId) => running.has(jobId),
      }).then((ok) => {
        if (!ok) done.delete(key); // try again before the next job
      });
      done.set(key, sweep);
    }
    return sweep;
  };
  return {
    name,
    async run(ctx: ExecutionContext): Promise<JobOutcome> {
      const jobLogger = logger.child({ job: ctx.job.id, instance: ctx.instance.id });
      running.set(ctx.job.id, (running.get(ctx.job.id) ?? 0) + 1);
      try {
        const docker = dockerFor(ctx);
        await sweepOnce(ctx, docker);
        const run = new DockerJobRun({ clock: deps.clock, logger: jobLogger, docker }, ctx, {
          executorName: name,
          version: options.version ?? 'dev',
          revision: options.revision ?? 'unknown',
          ...(options.helperImage ? { helperImage: options.helperImage } : {}),
          helperShell: HELPER_SHELL,
          killGraceMs: options.killGraceMs ?? 10_000,
          settleMs: options.settleMs ?? 5_000,
          afterScriptTimeoutMs: options.afterScriptTimeoutMs ?? 300_000,
          waitForServicesMs: options.waitForServicesMs ?? 30_000,
          ...(options.onPhase ? { onPhase: options.onPhase } : {}),
          ...(options.managerId ? { managerId: options.managerId } : {}),
        });
        return await run.run();
      } catch (err: unknown) {
        jobLogger.error({ err: describeError(err) }, 'executor failed');
        return finishJob(ctx.trace, systemFailure(describeError(err)));
      } finally {
        const left = (running.get(ctx.job.id) ?? 1) - 1;
        if (left > 0) running.set(ctx.job.id, left);
        else running.delete(ctx.job.id);
      }
    },
  };
}

/** Removes what earlier jobs left; never throws. False when it should be tried again. */
async function sweepStaleJobs(
  deps: { clock: Clock; logger: Logger; docker: Docker },
  instanceId: string,
  filter: Parameters<typeof removeStaleJobResources>[1],
): Promise<boolean> {
  try {
    const report = await removeStaleJobResources(deps, filter);
    const { jobIds, containers, networks, volumes, failures } = report;
    if (jobIds.length > 0) {
      deps.logger.warn(
        { instanceId, jobIds, containers, networks, volumes, failures: failures.length },
        'removed docker resources of jobs this manager no longer runs',
      );
    }
    return failures.length === 0;
  } catch (err: unknown) {
    deps.logger.warn({ instanceId, err: describeError(err) }, 'cannot remove earlier jobs');
    return false;
  }
}
