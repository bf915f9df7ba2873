/**
 * Containers, networks and volumes of jobs a manager no longer runs: what a manager that
 * crashed (or lost its connection) mid-job left on an instance. A restarted manager finds them
 * by its own labels — `spotrunner.manager=<system id>` and `spotrunner.runner=<short token>` —
 * and removes those whose `spotrunner.job` is not among the jobs it runs now. Resources of
 * other managers or runners, unlabelled ones and the per-runner cache volumes (no job label)
 * are never touched.
 */
import { describeDockerError } from './docker-errors.js';
import { LABEL_JOB, LABEL_MANAGER, LABEL_RUNNER } from './container-config.js';
import {
  removeFound,
  type Labelled,
  type RemovalReport,
  type ResourceRemovalDeps,
} from './job-resources.js';

export interface StaleJobsFilter {
  managerId: string;
  shortToken: string;
  /** True for a job this manager runs now: its resources stay. */
  isRunning: (jobId: number) => boolean;
}

export interface StaleJobsReport extends RemovalReport {
  /** The jobs whose resources were found, in ascending order. */
  jobIds: number[];
}

type Labels = Record<string, string> | null | undefined;

export async function removeStaleJobResources(
  deps: ResourceRemovalDeps,
  filter: StaleJobsFilter,
): Promise<StaleJobsReport> {
  const report: StaleJobsReport = {
    containers: 0,
    networks: 0,
    volumes: 0,
    failures: [],
    jobIds: [],
  };
  const filters = {
    label: [`${LABEL_MANAGER}=${filter.managerId}`, `${LABEL_RUNNER}=${filter.shortToken}`],
  };
  const jobs = new Set<number>();
  const isStale = (labels: Labels): boolean => {
    const raw = labels?.[LABEL_JOB];
    const jobId = raw === undefined ? NaN : Number(raw);
    if (!Number.isInteger(jobId) || filter.isRunning(jobId)) return false;
    jobs.add(jobId);
    return true;
  };
  let found: Labelled;
  try {
    const [containers, networks, volumes] = await Promise.all([
      deps.docker.listContainers({ all: true, filters }),
      deps.docker.listNetworks({ filters }),
      deps.docker.listVolumes({ filters }),
    ]);
    found = {
      containers: containers.filter((c) => isStale(c.Labels)).map((c) => c.Id),
      networks: networks.filter((n) => isStale(n.Labels)).map((n) => n.Id),
      volumes: (volumes.Volumes ?? []).filter((v) => isStale(v.Labels)).map((v) => v.Name),
    };
  } catch (err: unknown) {
    const reason = describeDockerError(err);
    deps.logger.warn({ err: reason }, 'cannot list docker resources of earlier jobs');
    report.failures.push(`list: ${reason}`);
    return report;
  }
  report.jobIds = [...jobs].sort((a, b) => a - b);
  await removeFound(deps, found, report);
  return report;
}
