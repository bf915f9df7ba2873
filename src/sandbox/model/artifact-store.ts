/** Artifact files on disk under `<dataDir>/artifacts/<job id>/`, one per artifact type. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactRecord, JobRecord } from './records.js';

export interface ArtifactUpload {
  type: string;
  format: string;
  expireIn?: string;
  filename: string;
  data: Buffer;
}

export type SaveArtifactResult = 'created' | 'unchanged' | 'conflict';

const EXTENSIONS: Record<string, string> = { zip: '.zip', gzip: '.gz', raw: '' };

export class ArtifactStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Same type and same SHA-256 is idempotent; same type with other content is a conflict. */
  async save(job: JobRecord, upload: ArtifactUpload): Promise<SaveArtifactResult> {
    const sha256 = createHash('sha256').update(upload.data).digest('hex');
    const existing = job.artifacts.find((a) => a.type === upload.type);
    if (existing) return existing.sha256 === sha256 ? 'unchanged' : 'conflict';
    const dir = join(this.#dir, String(job.id));
    await mkdir(dir, { recursive: true });
    const filePath = join(dir, `${upload.type}${EXTENSIONS[upload.format] ?? ''}`);
    await writeFile(filePath, upload.data);
    const record: ArtifactRecord = {
      type: upload.type,
      format: upload.format,
      filename: basename(upload.filename) || `${upload.type}${EXTENSIONS[upload.format] ?? ''}`,
      filePath,
      size: upload.data.length,
      sha256,
    };
    if (upload.expireIn !== undefined) record.expireIn = upload.expireIn;
    job.artifacts.push(record);
    return 'created';
  }
}
