/** Checks stages, `needs` and `dependencies` of a job list; expands names of parallel jobs. */
import type { CiJob } from './ci-config.js';
import type { CiIssues } from './ci-parts.js';

function baseName(job: CiJob): string {
  return job.nodeTotal === undefined ? job.name : job.name.replace(/ \d+\/\d+$/, '');
}

/** Mutates `needs`/`dependencies` so that a parallel job's base name stands for all its copies. */
export function validateJobGraph(jobs: CiJob[], stages: string[], issues: CiIssues): void {
  const byName = new Map<string, CiJob[]>();
  for (const job of jobs) {
    const key = baseName(job);
    byName.set(key, [...(byName.get(key) ?? []), job]);
    if (job.nodeTotal !== undefined) byName.set(job.name, [job]);
  }
  const stageIndex = (job: CiJob): number => stages.indexOf(job.stage);
  for (const job of jobs) {
    if (stageIndex(job) < 0) {
      issues.errors.push(
        `jobs:${job.name} chosen stage ${job.stage} does not exist; available stages are ${stages.join(', ')}`,
      );
      continue;
    }
    if (job.needs) {
      job.needs = job.needs.flatMap((need) => {
        const targets = byName.get(need.job);
        if (!targets) {
          if (!need.optional) {
            issues.errors.push(
              `jobs:${job.name}:needs: '${need.job}' job needs to be defined in the pipeline`,
            );
          }
          return [];
        }
        if (targets.some((t) => stageIndex(t) > stageIndex(job))) {
          issues.errors.push(
            `jobs:${job.name}:needs: '${need.job}' job needs to be in an earlier or the same stage`,
          );
        }
        return targets.map((t) => ({ ...need, job: t.name }));
      });
    }
    if (job.dependencies) {
      const needed = new Set(job.needs?.map((n) => n.job) ?? []);
      job.dependencies = job.dependencies.flatMap((dep) => {
        const targets = byName.get(dep) ?? [];
        const ok =
          targets.length > 0 &&
          targets.every((t) => stageIndex(t) < stageIndex(job) || needed.has(t.name));
        if (!ok) {
          issues.errors.push(
            `jobs:${job.name} dependencies the ${dep} should be part of needs or an earlier stage`,
          );
        }
        return targets.map((t) => t.name);
      });
    }
  }
}
