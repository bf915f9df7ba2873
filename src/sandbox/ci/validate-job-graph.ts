/**
 * Checks stages, `needs` and `dependencies` of a job list, and expands the names of parallel
 * jobs in them as GitLab's normalizer does: a parallel definition's name stands for all its jobs,
 * `needs:parallel:matrix` for the combinations it lists.
 */
import type { CiJob, CiNeed } from './ci-config.js';
import { matrixCombinations, matrixJobName } from './ci-parallel.js';
import type { CiIssues } from './ci-parts.js';

function jobsByName(jobs: readonly CiJob[]): Map<string, CiJob[]> {
  const byName = new Map<string, CiJob[]>();
  for (const job of jobs) {
    const group = job.parallelGroup;
    if (group !== undefined) byName.set(group, [...(byName.get(group) ?? []), job]);
    byName.set(job.name, [job]);
  }
  return byName;
}

/** The job names one `needs` entry stands for (before checking that they exist). */
function needNames(need: CiNeed, byName: ReadonlyMap<string, CiJob[]>): string[] {
  const targets = byName.get(need.job);
  const isGroup = targets?.some((t) => t.parallelGroup === need.job) === true;
  if (need.matrix && isGroup) {
    return matrixCombinations(need.matrix).map((combo) => matrixJobName(need.job, combo));
  }
  return targets ? targets.map((t) => t.name) : [need.job];
}

/** Mutates `needs`/`dependencies` so that they name the jobs themselves. */
export function validateJobGraph(jobs: CiJob[], stages: string[], issues: CiIssues): void {
  const byName = jobsByName(jobs);
  const stageIndex = (job: CiJob): number => stages.indexOf(job.stage);
  for (const job of jobs) {
    if (stageIndex(job) < 0) {
      issues.errors.push(
        `jobs:${job.name} chosen stage ${job.stage} does not exist; available stages are ${stages.join(', ')}`,
      );
      continue;
    }
    const written = job.needs?.map((n) => n.job) ?? [];
    if (job.needs) job.needs = expandNeeds(job, job.needs, byName, stageIndex, issues);
    if (job.dependencies) {
      // Entry::Job: with (non-empty) `needs`, every dependency must be one of them.
      const missing = job.dependencies.filter((d) => written.length > 0 && !written.includes(d));
      if (missing.length > 0) {
        issues.errors.push(
          `jobs:${job.name} dependencies the ${missing.join(', ')} should be part of needs`,
        );
      }
      const needed = new Set(job.needs?.map((n) => n.job) ?? []);
      job.dependencies = job.dependencies.flatMap((dep) => {
        const targets = byName.get(dep) ?? [];
        const ok =
          targets.length > 0 &&
          targets.every((t) => stageIndex(t) < stageIndex(job) || needed.has(t.name));
        if (!ok && !missing.includes(dep)) {
          issues.errors.push(
            `jobs:${job.name} dependencies the ${dep} should be part of needs or an earlier stage`,
          );
        }
        return targets.map((t) => t.name);
      });
    }
  }
}

function expandNeeds(
  job: CiJob,
  needs: readonly CiNeed[],
  byName: ReadonlyMap<string, CiJob[]>,
  stageIndex: (job: CiJob) => number,
  issues: CiIssues,
): CiNeed[] {
  return needs.flatMap((need) =>
    needNames(need, byName).flatMap((name): CiNeed[] => {
      const target = byName.get(name)?.[0];
      if (!target) {
        if (!need.optional) {
          issues.errors.push(
            `jobs:${job.name}:needs: '${name}' job needs to be defined in the pipeline`,
          );
        }
        return [];
      }
      const late = `jobs:${job.name}:needs: '${need.job}' job needs to be in an earlier or the same stage`;
      if (stageIndex(target) > stageIndex(job) && !issues.errors.includes(late)) {
        issues.errors.push(late);
      }
      const { matrix: _matrix, ...rest } = need;
      return [{ ...rest, job: name }];
    }),
  );
}
