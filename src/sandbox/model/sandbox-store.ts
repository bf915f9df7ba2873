/** In-memory records of the sandbox and their indexes. Holds data only; logic lives elsewhere. */
import type { JobRecord, PipelineRecord, ProjectRecord, RunnerRecord } from './records.js';

type IdKind = 'project' | 'pipeline' | 'job' | 'runner';

export class SandboxStore {
  readonly projects = new Map<number, ProjectRecord>();
  readonly pipelines = new Map<number, PipelineRecord>();
  readonly jobs = new Map<number, JobRecord>();
  readonly runners = new Map<number, RunnerRecord>();
  readonly #jobsByToken = new Map<string, number>();
  readonly #runnersByToken = new Map<string, number>();
  readonly #ids: Record<IdKind, number> = { project: 0, pipeline: 0, job: 0, runner: 0 };

  nextId(kind: IdKind): number {
    this.#ids[kind] += 1;
    return this.#ids[kind];
  }

  addJob(job: JobRecord): void {
    this.jobs.set(job.id, job);
    this.#jobsByToken.set(job.token, job.id);
    this.pipelines.get(job.pipelineId)?.jobIds.push(job.id);
  }

  jobByToken(token: string): JobRecord | undefined {
    const id = this.#jobsByToken.get(token);
    return id === undefined ? undefined : this.jobs.get(id);
  }

  pipelineJobs(pipelineId: number): JobRecord[] {
    const pipeline = this.pipelines.get(pipelineId);
    if (!pipeline) return [];
    return pipeline.jobIds.flatMap((id) => this.jobs.get(id) ?? []);
  }

  addRunner(runner: RunnerRecord): void {
    this.runners.set(runner.id, runner);
    this.#runnersByToken.set(runner.token, runner.id);
  }

  runnerByToken(token: string): RunnerRecord | undefined {
    const id = this.#runnersByToken.get(token);
    return id === undefined ? undefined : this.runners.get(id);
  }

  removeRunner(runner: RunnerRecord): void {
    this.runners.delete(runner.id);
    this.#runnersByToken.delete(runner.token);
  }

  replaceRunnerToken(runner: RunnerRecord, token: string): void {
    this.#runnersByToken.delete(runner.token);
    runner.token = token;
    this.#runnersByToken.set(token, runner.id);
  }
}
