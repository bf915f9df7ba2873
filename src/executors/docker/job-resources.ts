/**
 * Removal of everything a job created on the instance's Docker daemon: the containers,
 * network and per-job volumes it tracked, then anything else carrying its labels (a create
 * whose answer was lost, a container made by a step that failed half-way). Runs whatever
 * the job's outcome; removal errors are logged, retried briefly and reported.
 */
import type Docker from 'dockerode';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { describeDockerError, isNotFound } from './docker-errors.js';
import { LABEL_JOB, LABEL_RUN } from './container-config.js';

export interface RemovalReport {
  containers: number;
  networks: number;
  volumes: number;
  /** Resources that could not be removed (`kind name: reason`). */
  failures: string[];
}

export interface ResourceRemovalDeps {
  docker: Docker;
  clock: Clock;
  logger: Logger;
}

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 250;

/** What one job run created, in creation order. */
export class JobResources {
  readonly containers: string[] = [];
  readonly networks: string[] = [];
  readonly volumes: string[] = [];
  readonly #deps: ResourceRemovalDeps;
  readonly #runId: string;

  constructor(deps: ResourceRemovalDeps, runId: string) {
    this.#deps = deps;
    this.#runId = runId;
  }

  /** Removes every tracked resource and every leftover labelled with this run. */
  async removeAll(): Promise<RemovalReport> {
    const report: RemovalReport = { containers: 0, networks: 0, volumes: 0, failures: [] };
    const leftovers = await listLabelled(this.#deps, `${LABEL_RUN}=${this.#runId}`, report);
    const containers = unique([...this.containers, ...leftovers.containers]);
    await Promise.all(containers.map((id) => removeContainer(this.#deps, id, report)));
    const networks = unique([...this.networks, ...leftovers.networks]);
    await Promise.all(networks.map((id) => removeNetwork(this.#deps, id, report)));
    const volumes = unique([...this.volumes, ...leftovers.volumes]);
    await Promise.all(volumes.map((name) => removeVolume(this.#deps, name, report)));
    return report;
  }
}

/**
 * Removes containers, networks and volumes labelled `spotrunner.job=<jobId>` (or one run's
 * `spotrunner.run=<runId>`): for a manager that lost track of a job (connection dropped
 * before cleanup, restart) and reconnects to the instance.
 */
export async function removeDockerJobLeftovers(
  deps: ResourceRemovalDeps,
  filter: { jobId: number } | { runId: string },
): Promise<RemovalReport> {
  const label = 'jobId' in filter ? `${LABEL_JOB}=${filter.jobId}` : `${LABEL_RUN}=${filter.runId}`;
  const report: RemovalReport = { containers: 0, networks: 0, volumes: 0, failures: [] };
  const found = await listLabelled(deps, label, report);
  await removeFound(deps, found, report);
  return report;
}

/** Removes containers first (they hold networks and volumes), then networks, then volumes. */
export async function removeFound(
  deps: ResourceRemovalDeps,
  found: Labelled,
  report: RemovalReport,
): Promise<void> {
  await Promise.all(found.containers.map((id) => removeContainer(deps, id, report)));
  await Promise.all(found.networks.map((id) => removeNetwork(deps, id, report)));
  await Promise.all(found.volumes.map((name) => removeVolume(deps, name, report)));
}

/** Container and network ids, volume names. */
export interface Labelled {
  containers: string[];
  networks: string[];
  volumes: string[];
}

async function listLabelled(
  deps: ResourceRemovalDeps,
  label: string,
  report: RemovalReport,
): Promise<Labelled> {
  const filters = { label: [label] };
  const found: Labelled = { containers: [], networks: [], volumes: [] };
  try {
    const [containers, networks, volumes] = await Promise.all([
      deps.docker.listContainers({ all: true, filters }),
      deps.docker.listNetworks({ filters }),
      deps.docker.listVolumes({ filters }),
    ]);
    found.containers = containers.map((c) => c.Id);
    found.networks = networks.map((n) => n.Id);
    found.volumes = (volumes.Volumes ?? []).map((v) => v.Name);
  } catch (err: unknown) {
    const reason = describeDockerError(err);
    deps.logger.warn({ label, err: reason }, 'cannot list job resources');
    report.failures.push(`list ${label}: ${reason}`);
  }
  return found;
}

async function removeContainer(
  deps: ResourceRemovalDeps,
  id: string,
  report: RemovalReport,
): Promise<void> {
  const ok = await attempt(deps, `container ${id.slice(0, 12)}`, report, () =>
    deps.docker.getContainer(id).remove({ force: true, v: true }),
  );
  if (ok) report.containers++;
}

async function removeNetwork(
  deps: ResourceRemovalDeps,
  id: string,
  report: RemovalReport,
): Promise<void> {
  const ok = await attempt(deps, `network ${id.slice(0, 12)}`, report, () =>
    deps.docker.getNetwork(id).remove(),
  );
  if (ok) report.networks++;
}

async function removeVolume(
  deps: ResourceRemovalDeps,
  name: string,
  report: RemovalReport,
): Promise<void> {
  const ok = await attempt(deps, `volume ${name}`, report, () =>
    deps.docker.getVolume(name).remove(),
  );
  if (ok) report.volumes++;
}

/** True when the resource is gone (removed now or already absent). */
async function attempt(
  deps: ResourceRemovalDeps,
  what: string,
  report: RemovalReport,
  remove: () => Promise<unknown>,
): Promise<boolean> {
  let reason = '';
  for (let i = 1; i <= ATTEMPTS; i++) {
    try {
      await remove();
      return true;
    } catch (err: unknown) {
      if (isNotFound(err)) return false;
      reason = describeDockerError(err);
      deps.logger.debug({ what, attempt: i, err: reason }, 'job resource removal failed');
      if (i < ATTEMPTS) await deps.clock.sleep(RETRY_DELAY_MS * i);
    }
  }
  deps.logger.warn({ what, err: reason }, 'cannot remove job resource');
  report.failures.push(`${what}: ${reason}`);
  return false;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
