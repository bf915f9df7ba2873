/**
 * gitlab-runner's concurrent ids (`common/builds_helper.go` AddBuild): each running job of a
 * runner gets the lowest id no other running job of the runner holds (CI_CONCURRENT_ID), and
 * the lowest id no other running job of the same project holds (CI_CONCURRENT_PROJECT_ID),
 * which names its directory in a shared builds dir. The ids span every instance of the
 * runner, so jobs on instances that share a host or a builds dir never share a directory.
 */

export interface ConcurrentIds {
  id: number;
  projectId: number;
}

export class ConcurrentIdPool {
  readonly #running = new Map<number, { project: number; ids: ConcurrentIds }>();

  /** Ids for job `jobId` of GitLab project `project`, held until `release(jobId)`. */
  acquire(jobId: number, project: number): ConcurrentIds {
    const held = this.#running.get(jobId);
    if (held) return held.ids;
    const taken = [...this.#running.values()];
    const ids = {
      id: lowestFree(new Set(taken.map((r) => r.ids.id))),
      projectId: lowestFree(
        new Set(taken.filter((r) => r.project === project).map((r) => r.ids.projectId)),
      ),
    };
    this.#running.set(jobId, { project, ids });
    return ids;
  }

  release(jobId: number): void {
    this.#running.delete(jobId);
  }
}

function lowestFree(taken: ReadonlySet<number>): number {
  let n = 0;
  while (taken.has(n)) n++;
  return n;
}
