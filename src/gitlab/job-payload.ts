/**
 * The job payload GitLab returns from `POST /jobs/request` (201), validated into typed objects.
 * Rails emits `null` for absent nested values and adds fields over time: nulls are treated as
 * absent and unknown fields are kept but ignored. See gitlab-runner-protocol.md §2.4–2.5.
 */
import { z } from 'zod';

const nullish = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v) => v ?? undefined);
const str = z.string();
const when = z
  .enum(['on_success', 'on_failure', 'always'])
  .or(z.literal(''))
  .nullish()
  .transform((v) => (v ? v : 'on_success'));
const stringList = z
  .union([z.array(z.string()), z.string()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]));

export const jobVariableSchema = z
  .object({
    key: str,
    value: z
      .union([z.string(), z.number(), z.boolean()])
      .nullish()
      .transform((v) => (v === null || v === undefined ? '' : String(v))),
    public: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    masked: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    file: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    raw: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
  })
  .loose();

export const stepSchema = z
  .object({
    name: str,
    script: stringList,
    timeout: z
      .number()
      .nullish()
      .transform((v) => v ?? 0),
    when,
    allow_failure: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
  })
  .loose();

const executorOptsSchema = z
  .object({
    docker: nullish(
      z
        .object({
          platform: nullish(str),
          user: nullish(z.union([z.string(), z.number()]).transform(String)),
        })
        .loose(),
    ),
  })
  .loose();

export const imageSchema = z
  .object({
    name: str,
    alias: nullish(str),
    command: stringList,
    entrypoint: nullish(z.union([z.array(z.string()), z.string().transform((s) => [s])])),
    ports: nullish(
      z.array(z.object({ number: z.number(), protocol: nullish(str), name: nullish(str) }).loose()),
    ),
    variables: nullish(
      z.array(
        z
          .object({
            key: str,
            value: z
              .string()
              .nullish()
              .transform((v) => v ?? ''),
          })
          .loose(),
      ),
    ),
    pull_policy: stringList,
    executor_opts: nullish(executorOptsSchema),
  })
  .loose();

export const artifactSchema = z
  .object({
    name: nullish(str),
    untracked: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    paths: stringList,
    exclude: stringList,
    when,
    expire_in: nullish(str),
    artifact_type: z
      .string()
      .nullish()
      .transform((v) => v ?? 'archive'),
    artifact_format: z
      .string()
      .nullish()
      .transform((v) => v ?? 'zip'),
  })
  .loose();

export const cacheSchema = z
  .object({
    key: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    untracked: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    paths: stringList,
    policy: z
      .string()
      .nullish()
      .transform((v) => v || 'pull-push'),
    when,
    fallback_keys: stringList,
  })
  .loose();

export const dependencySchema = z
  .object({
    id: z.number(),
    name: str,
    token: str,
    artifacts_file: nullish(
      z
        .object({
          filename: z
            .string()
            .nullish()
            .transform((v) => v ?? ''),
          size: z
            .number()
            .nullish()
            .transform((v) => v ?? 0),
        })
        .loose(),
    ),
  })
  .loose();

export const credentialSchema = z
  .object({ type: str, url: str, username: str, password: str })
  .loose();

export const jobPayloadSchema = z
  .object({
    id: z.number().int().positive(),
    token: z.string().min(1),
    allow_git_fetch: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    job_info: z
      .object({
        id: nullish(z.number()),
        name: z
          .string()
          .nullish()
          .transform((v) => v ?? ''),
        stage: z
          .string()
          .nullish()
          .transform((v) => v ?? ''),
        project_id: z
          .number()
          .nullish()
          .transform((v) => v ?? 0),
        project_name: z
          .string()
          .nullish()
          .transform((v) => v ?? ''),
        project_full_path: nullish(str),
        time_in_queue_seconds: nullish(z.number()),
      })
      .loose(),
    git_info: z
      .object({
        repo_url: z.string().min(1),
        ref: z
          .string()
          .nullish()
          .transform((v) => v ?? ''),
        sha: z
          .string()
          .nullish()
          .transform((v) => v ?? ''),
        before_sha: nullish(str),
        ref_type: z
          .string()
          .nullish()
          .transform((v) => v ?? 'branch'),
        refspecs: stringList,
        depth: z
          .number()
          .nullish()
          .transform((v) => v ?? 0),
        repo_object_format: nullish(str),
        protected: nullish(z.boolean()),
      })
      .loose(),
    runner_info: z
      .object({
        timeout: z
          .number()
          .nullish()
          .transform((v) => v ?? 3600),
        runner_session_url: nullish(str),
      })
      .loose()
      .nullish()
      .transform((v) => v ?? { timeout: 3600 }),
    variables: z
      .array(jobVariableSchema)
      .nullish()
      .transform((v) => v ?? []),
    steps: z
      .array(stepSchema)
      .nullish()
      .transform((v) => v ?? []),
    hooks: z
      .array(z.object({ name: str, script: stringList }).loose())
      .nullish()
      .transform((v) => v ?? []),
    image: nullish(imageSchema),
    services: z
      .array(imageSchema)
      .nullish()
      .transform((v) => v ?? []),
    artifacts: z
      .array(artifactSchema)
      .nullish()
      .transform((v) => v ?? []),
    cache: z
      .array(cacheSchema)
      .nullish()
      .transform((v) => v ?? []),
    credentials: z
      .array(credentialSchema)
      .nullish()
      .transform((v) => v ?? []),
    dependencies: z
      .array(dependencySchema)
      .nullish()
      .transform((v) => v ?? []),
    features: z
      .object({
        trace_sections: z
          .boolean()
          .nullish()
          .transform((v) => v ?? false),
        failure_reasons: stringList,
        token_mask_prefixes: stringList,
      })
      .loose()
      .nullish()
      .transform(
        (v) => v ?? { trace_sections: false, failure_reasons: [], token_mask_prefixes: [] },
      ),
    run: nullish(str),
  })
  .loose();

export type JobPayload = z.infer<typeof jobPayloadSchema>;
export type JobVariable = z.infer<typeof jobVariableSchema>;
export type JobStep = z.infer<typeof stepSchema>;
export type JobImage = z.infer<typeof imageSchema>;
export type JobArtifact = z.infer<typeof artifactSchema>;
export type JobCache = z.infer<typeof cacheSchema>;
export type JobDependency = z.infer<typeof dependencySchema>;

export type ParseJobResult =
  { ok: true; job: JobPayload } | { ok: false; id?: number; token?: string; reason: string };

/**
 * Validates a raw payload. On failure returns the id and token when they can be read, so the
 * caller can fail that one job with a reason instead of crashing.
 */
export function parseJobPayload(raw: unknown): ParseJobResult {
  const parsed = jobPayloadSchema.safeParse(raw);
  if (parsed.success) return { ok: true, job: parsed.data };
  const obj = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const id = typeof obj.id === 'number' ? obj.id : undefined;
  const token = typeof obj.token === 'string' ? obj.token : undefined;
  const reason = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return {
    ok: false,
    ...(id !== undefined ? { id } : {}),
    ...(token !== undefined ? { token } : {}),
    reason,
  };
}
