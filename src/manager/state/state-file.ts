/**
 * The manager's state on disk, written atomically (temp file, fsync, rename; mode 0600 because it
 * holds job tokens): instances it owns with their use counts, jobs in flight with their tokens,
 * and instance removals an auto scaling group held at its MinSize, so a restarted manager can
 * adopt its instances, settle the jobs a crash left behind and still remove what it meant to.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { describeError, UserError } from '../../platform/errors.js';

const instanceSchema = z.object({
  id: z.string(),
  useCount: z.number().int().nonnegative(),
  createdAtMs: z.number().optional(),
  lastUsedAtMs: z.number().optional(),
  hadJobs: z.boolean().default(false),
});

/** The final update being delivered, exactly as sent (so a restart re-sends the same state). */
const finalSchema = z.object({
  state: z.enum(['success', 'failed']),
  failureReason: z.string().optional(),
  exitCode: z.number().int().optional(),
  checksum: z.string().optional(),
  bytesize: z.number().int().nonnegative().optional(),
});

/**
 * Where a job was when last written: `received` (handed to us, not yet accepted — GitLab may
 * hold it in its ack window), `running` (accepted), `finishing` (final state in `final` being
 * delivered). Files written before phases existed only held accepted jobs: `running`.
 */
export const JOB_PHASES = ['received', 'running', 'finishing'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

const jobSchema = z.object({
  id: z.number().int(),
  token: z.string(),
  name: z.string().default(''),
  phase: z.enum(JOB_PHASES).default('running'),
  /** When the job was received (the field name predates phases). */
  acceptedAtMs: z.number(),
  instanceId: z.string().optional(),
  final: finalSchema.optional(),
  payload: z.unknown().optional(),
});

const runnerSchema = z.object({
  providerId: z.string().optional(),
  instances: z.record(z.string(), instanceSchema).default({}),
  jobs: z.record(z.string(), jobSchema).default({}),
  /** Per auto scaling group: instance removals held at its MinSize, issued once it allows. */
  heldRemovals: z.record(z.string(), z.array(z.string())).default({}),
});

export const stateSchema = z.object({
  version: z.literal(1),
  savedAtMs: z.number(),
  runners: z.record(z.string(), runnerSchema).default({}),
});

export type ManagerState = z.infer<typeof stateSchema>;
export type RunnerState = z.infer<typeof runnerSchema>;
export type InstanceRecord = z.infer<typeof instanceSchema>;
export type JobRecord = z.infer<typeof jobSchema>;
export type FinalRecord = z.infer<typeof finalSchema>;

export function emptyState(nowMs: number): ManagerState {
  return { version: 1, savedAtMs: nowMs, runners: {} };
}

/** Reads the state file; a missing file is an empty state, a corrupt one a clear error. */
export async function readStateFile(file: string, nowMs: number): Promise<ManagerState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(nowMs);
    throw new UserError(`cannot read state file ${file}: ${describeError(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err: unknown) {
    throw new UserError(
      `state file ${file} is not valid JSON (${describeError(err)}); move it aside to start fresh`,
    );
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(`state file ${file} has an unexpected shape; move it aside to start fresh`);
  }
  return parsed.data;
}

/** Writes the whole state atomically: readers see the old file or the new one, never a mix. */
export async function writeStateFile(file: string, state: ManagerState): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err: unknown) {
    await rm(tmp, { force: true });
    throw err;
  }
}
