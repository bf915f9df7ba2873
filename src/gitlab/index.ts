/** GitLab runner protocol: ports, the HTTP client, the job trace writer and helpers. */
export * from './runner-api.js';
export * from './artifacts-api.js';
export * from './registration-api.js';
export * from './job-payload.js';
export * from './features.js';
export * from './failure-reason.js';
export * from './short-token.js';
export * from './runner-health.js';
export * from './accept-job.js';
export * from './unreadable-job.js';
export * from './masked-values.js';
export { apiBaseUrl } from './http/api-url.js';
export {
  createGitLabClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type GitLabClient,
  type GitLabClientDeps,
  type GitLabClientOptions,
} from './http/gitlab-client.js';
export type { RunnerInfoOptions, RunnerInfoPayload } from './http/client-context.js';
export { MAX_TRACE_PATCH_BYTES } from './http/job-updates.js';
export { artifactFileName } from './http/artifact-upload.js';
export { parseXmlError } from './http/artifact-download.js';
export {
  isRetryableStatus,
  serverRetryDelayMs,
  updateIntervalMs,
  remoteJobState,
  rangeLength,
  errorMessage,
  MAX_UPDATE_INTERVAL_MS,
} from './http/response-headers.js';
export { crc32, crc32Update, formatChecksum } from './trace/crc32.js';
export * from './trace/job-log-format.js';
export {
  createJobTrace,
  type JobTrace,
  type JobTraceDeps,
  type JobTraceOptions,
  type TraceFinishOptions,
  type TraceFinishRequest,
  type TraceFinishResult,
} from './trace/job-trace.js';
export {
  runFinalUpdate,
  type FinalUpdateDeps,
  type FinalUpdateOptions,
  type FinalUpdateOutcome,
} from './trace/final-update.js';
export {
  TraceBuffer,
  outputLimitMessage,
  truncateUtf8,
  DEFAULT_OUTPUT_LIMIT_BYTES,
} from './trace/trace-buffer.js';
export { createPhraseMasker } from './trace/phrase-masker.js';
export {
  createTokenMasker,
  DEFAULT_TOKEN_PREFIXES,
  SENSITIVE_URL_PARAMS,
} from './trace/token-masker.js';
export { createUtf8Sanitizer } from './trace/utf8-sanitizer.js';
export type { StreamFilter } from './trace/stream-filter.js';
