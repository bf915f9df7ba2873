/**
 * /metrics from the recorded history: gitlab-runner's names where it has one
 * (`gitlab_runner_jobs`, `gitlab_runner_job_queue_duration_seconds`,
 * `gitlab_runner_job_duration_seconds`, with its buckets and `runner` label) and spotrunner's
 * own for what gitlab-runner does not know (instance wait, image pulls, boot, ready-up,
 * interruptions).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ManagerStatus } from '../manager.js';
import type { History } from './history-part.js';

const QUEUE_BUCKETS = [1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600];
const JOB_BUCKETS = [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000];
const BOOT_BUCKETS = [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600];

export function registerHistoryMetrics(
  registry: Registry,
  source: { history?: History; systemId?: string; status(): Pick<ManagerStatus, 'runners'> },
): () => void {
  const registers = [registry];
  new Gauge({
    name: 'gitlab_runner_jobs',
    help: 'The number of jobs running now',
    labelNames: ['runner', 'system_id'],
    registers,
    collect(this: Gauge) {
      this.reset();
      for (const r of source.status().runners) {
        this.set({ runner: r.name, system_id: source.systemId ?? '' }, r.loop?.running.length ?? 0);
      }
    },
  });
  const history = source.history;
  if (!history) return () => undefined;
  const queue = new Histogram({
    name: 'gitlab_runner_job_queue_duration_seconds',
    help: 'Histogram of job queuing duration (time in GitLab queue, as GitLab reports it)',
    labelNames: ['runner'],
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const duration = new Histogram({
    name: 'gitlab_runner_job_duration_seconds',
    help: 'Histogram of job durations (received to final state)',
    labelNames: ['runner'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const wait = new Histogram({
    name: 'spotrunner_job_instance_wait_seconds',
    help: 'Time from receiving a job to its start on an instance (boot and ready-up when cold)',
    labelNames: ['runner'],
    buckets: BOOT_BUCKETS,
    registers,
  });
  const ready = new Histogram({
    name: 'spotrunner_instance_ready_seconds',
    help: 'Time from instance launch to ready (boot and ready-up)',
    labelNames: ['runner'],
    buckets: BOOT_BUCKETS,
    registers,
  });
  const boot = new Histogram({
    name: 'spotrunner_instance_boot_seconds',
    help: 'Time from instance launch to running at the cloud (the boot part of ready)',
    labelNames: ['runner'],
    buckets: BOOT_BUCKETS,
    registers,
  });
  const readyUp = new Histogram({
    name: 'spotrunner_instance_ready_up_seconds',
    help: 'Time from instance running (as polled, to a few seconds) to ready: SSH and ready-up',
    labelNames: ['runner'],
    buckets: BOOT_BUCKETS,
    registers,
  });
  const imagePull = new Histogram({
    name: 'spotrunner_job_image_pull_seconds',
    help: 'Time a job spent pulling images on its instance (0 when they were there already)',
    labelNames: ['runner'],
    buckets: [0.5, ...BOOT_BUCKETS],
    registers,
  });
  const interruptions = new Counter({
    name: 'spotrunner_interruptions_total',
    help: 'Instances taken back by the cloud, and jobs that lost their instance',
    labelNames: ['runner', 'what'],
    registers,
  });
  return history.subscribe((e) => {
    const runner = e.runner;
    if (e.kind === 'ready') {
      ready.observe({ runner }, e.readyMs / 1000);
      if (e.bootMs !== undefined) boot.observe({ runner }, e.bootMs / 1000);
      if (e.readyUpMs !== undefined) readyUp.observe({ runner }, e.readyUpMs / 1000);
    } else if (e.kind === 'instance') {
      if (e.interrupted) interruptions.inc({ runner, what: 'instance' });
    } else {
      if (e.pickupMs !== undefined) queue.observe({ runner }, e.pickupMs / 1000);
      duration.observe({ runner }, (e.finishedAtMs - e.receivedAtMs) / 1000);
      if (e.instanceWaitMs !== undefined) wait.observe({ runner }, e.instanceWaitMs / 1000);
      if (e.imagePullMs !== undefined) imagePull.observe({ runner }, e.imagePullMs / 1000);
      if (e.interruptions > 0) interruptions.inc({ runner, what: 'job' }, e.interruptions);
    }
  });
}
