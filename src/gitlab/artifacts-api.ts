/**
 * Artifact upload and download through GitLab's job API (gitlab-runner-protocol.md §5). The
 * executors normally upload from the instance; this port serves the manager, sandbox and tests.
 */
import type { Readable, Writable } from 'node:stream';
import type { JobRef } from './runner-api.js';

export type ArtifactFormat = 'zip' | 'gzip' | 'raw';

export interface ArtifactUpload {
  /** The archive: bytes, a file path, or a stream (spooled to a temp file so it can be retried). */
  file: Buffer | string | Readable;
  /** `artifacts:name` or a report's default file name; the upload file name derives from it. */
  name?: string;
  /** `zip`, `gzip` or `raw` (ArtifactFormat); passed through as GitLab asked. */
  format?: string;
  /** `archive`, `junit`, … */
  type?: string;
  /** `7 days`, … */
  expireIn?: string;
}

export type UploadArtifactsResult =
  | { kind: 'ok'; attempts: number }
  | { kind: 'too-large'; message?: string }
  | { kind: 'forbidden'; message?: string }
  | { kind: 'failed'; status?: number; message: string; attempts: number };

export type ArtifactDestination = string | Writable;

export type DownloadArtifactsResult =
  | { kind: 'ok'; bytes: number }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; status: number; code?: string; message?: string }
  | { kind: 'failed'; status?: number; message: string; attempts: number };

export interface DownloadOptions {
  /** Sends `direct_download=true` on the first attempt (object-storage redirect). */
  directDownload?: boolean;
}

export interface ArtifactsApi {
  uploadArtifacts(
    job: JobRef,
    upload: ArtifactUpload,
    signal?: AbortSignal,
  ): Promise<UploadArtifactsResult>;
  /** `dependency` is the dependency's job id with `dependencies[].token`. */
  downloadArtifacts(
    dependency: JobRef,
    dest: ArtifactDestination,
    options?: DownloadOptions,
    signal?: AbortSignal,
  ): Promise<DownloadArtifactsResult>;
}
