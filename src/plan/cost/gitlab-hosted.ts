/**
 * What the same jobs would cost on GitLab.com's hosted runners: run minutes × the machine size's
 * compute-minute cost factor × the price of additional compute minutes (the minutes a namespace
 * buys once its plan's monthly quota is used up; the included quota is not counted, as it is
 * paid for with the plan).
 *
 * Figures as of 2026-12-06, from GitLab's own documentation and pricing page:
 * - cost factors: "Compute minutes", section "Cost factors for GitLab-hosted runners"
 *   (docs.gitlab.com/ci/pipelines/compute_minutes/): Linux x86-64 small 1, medium 2, large 3,
 *   xlarge 6, 2xlarge 12; Linux Arm64 small 1, medium 2, large 3 (standard projects);
 * - sizes: "Hosted runners on Linux" (docs.gitlab.com/ci/runners/hosted_runners/linux/):
 *   small 2 vCPU, medium 4, large 8, xlarge 16, 2xlarge 32 (x86-64); small, medium, large with
 *   2, 4, 8 vCPU on Arm64;
 * - price: $10 per 1,000 additional compute minutes (about.gitlab.com/pricing, compute minutes;
 *   the same rate as 100 compute minutes to one $1 GitLab Credit).
 * A machine maps to the smallest hosted size of its architecture with at least as many vCPUs;
 * past the largest Arm64 size, to the x86-64 sizes; past 2xlarge, to 2xlarge.
 */
import type { Arch } from '../prices/price-table.js';

export interface HostedSize {
  /** The runner tag jobs would use (`saas-linux-small-amd64`). */
  tag: string;
  arch: Arch;
  vcpu: number;
  costFactor: number;
}

export const GITLAB_HOSTED = {
  asOf: '2026-12-06',
  source:
    'GitLab docs "Compute minutes" (cost factors), "Hosted runners on Linux" (sizes); about.gitlab.com/pricing ($10 per 1,000 additional compute minutes)',
  usdPerComputeMinute: 10 / 1000,
  sizes: [
    { tag: 'saas-linux-small-amd64', arch: 'amd64', vcpu: 2, costFactor: 1 },
    { tag: 'saas-linux-medium-amd64', arch: 'amd64', vcpu: 4, costFactor: 2 },
    { tag: 'saas-linux-large-amd64', arch: 'amd64', vcpu: 8, costFactor: 3 },
    { tag: 'saas-linux-xlarge-amd64', arch: 'amd64', vcpu: 16, costFactor: 6 },
    { tag: 'saas-linux-2xlarge-amd64', arch: 'amd64', vcpu: 32, costFactor: 12 },
    { tag: 'saas-linux-small-arm64', arch: 'arm64', vcpu: 2, costFactor: 1 },
    { tag: 'saas-linux-medium-arm64', arch: 'arm64', vcpu: 4, costFactor: 2 },
    { tag: 'saas-linux-large-arm64', arch: 'arm64', vcpu: 8, costFactor: 3 },
  ] as readonly HostedSize[],
} as const;

/** The hosted size comparable to a machine with `vcpu` vCPUs on `arch`. */
export function hostedSizeFor(machine: { vcpu: number; arch: Arch }): HostedSize {
  const fits = (s: HostedSize): boolean => s.vcpu >= machine.vcpu;
  const sizes = GITLAB_HOSTED.sizes;
  const found =
    sizes.find((s) => s.arch === machine.arch && fits(s)) ??
    sizes.find((s) => s.arch === 'amd64' && fits(s)) ??
    sizes.reduce((a, b) => (b.vcpu > a.vcpu ? b : a));
  return found;
}

/** USD for `minutes` of job run time on `size`. */
export function hostedMinutesUsd(minutes: number, size: HostedSize): number {
  return minutes * size.costFactor * GITLAB_HOSTED.usdPerComputeMinute;
}
