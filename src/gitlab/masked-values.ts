/**
 * What the trace writer must mask for one job: every `masked: true` variable value, the job
 * token and `CI_JOB_TOKEN` (always), registry passwords and dependency tokens; plus the job's
 * `token_mask_prefixes`.
 */
import type { JobPayload } from './job-payload.js';

export function jobMaskedValues(job: JobPayload): string[] {
  const values = new Set<string>([job.token]);
  for (const v of job.variables) {
    if (v.masked || v.key === 'CI_JOB_TOKEN') values.add(v.value);
  }
  for (const c of job.credentials) values.add(c.password);
  for (const d of job.dependencies) values.add(d.token);
  values.delete('');
  return [...values];
}

export function jobTokenPrefixes(job: JobPayload): string[] {
  return [...job.features.token_mask_prefixes];
}
