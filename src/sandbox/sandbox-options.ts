/** Options of the embedded GitLab-compatible server and their defaults. */

export interface SandboxServerOptions {
  /** Where repositories and artifacts are stored. */
  dataDir: string;
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; default 0 (any free port). */
  port?: number;
  /** URL given to runners (repo_url, CI_SERVER_URL); default the listening URL. */
  externalUrl?: string;
  /** Long-poll hold of `jobs/request` when `last_update` is current; default 0 (off). */
  longPollMs?: number;
  /** `X-GitLab-Trace-Update-Interval` on trace patches, in seconds; default 3. */
  traceUpdateIntervalS?: number;
  /** Honour `two_phase_job_commit` (Rails feature flag); default true. */
  twoPhaseCommit?: boolean;
  /** Two-phase acknowledgement window; default 2 min. */
  ackTimeoutMs?: number;
  /** A running job is dropped after its timeout plus this grace; default 15 min. */
  timeoutGraceMs?: number;
  /** A running job without any update for this long is dropped; default 1 h, 0 = never. */
  stuckTimeoutMs?: number;
  /**
   * A pending job no runner can take (stuck) fails as `stuck_pending_no_matching_runners` as
   * soon as nothing else in its pipeline can run; default false: it stays pending, as in GitLab
   * (which drops it after an hour). `spotrunner sandbox` turns it on.
   */
  dropStuckJobs?: boolean;
  /** Server-side trace limit (`ci_jobs_trace_size_limit`); default 100 MiB. */
  traceSizeLimitBytes?: number;
  /** Maximum artifact upload; default 100 MiB. */
  artifactSizeLimitBytes?: number;
  /** Legacy registration token; default random `GR1348941…`. */
  registrationToken?: string;
  /** `false` answers `POST /runners` with 410 (registration tokens disabled). */
  registrationEnabled?: boolean;
  /** `PATH` for the git processes the server spawns. */
  gitPath?: string;
  /** Project default job timeout; default 3600 s. */
  projectTimeoutS?: number;
  /** Project default `GIT_DEPTH`; default 20. */
  gitDepth?: number;
  /** `token_expires_at` answered on register, verify and token reset: this long after the answer; default 0 = never. */
  runnerTokenTtlS?: number;
}

export type SandboxSettings = Required<
  Omit<SandboxServerOptions, 'externalUrl' | 'registrationToken'>
> & {
  externalUrl?: string;
  registrationToken: string;
};

/** Defaults meant for `spotrunner sandbox` (interactive use), as opposed to tests. */
export const SANDBOX_CLI_DEFAULTS = {
  longPollMs: 5_000,
  traceUpdateIntervalS: 3,
} as const satisfies Partial<SandboxServerOptions>;

export const DEFAULT_GIT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function compileSandboxOptions(
  options: SandboxServerOptions,
  registrationToken: string,
): SandboxSettings {
  return {
    dataDir: options.dataDir,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    ...(options.externalUrl !== undefined
      ? { externalUrl: options.externalUrl.replace(/\/+$/, '') }
      : {}),
    longPollMs: options.longPollMs ?? 0,
    traceUpdateIntervalS: options.traceUpdateIntervalS ?? 3,
    twoPhaseCommit: options.twoPhaseCommit ?? true,
    ackTimeoutMs: options.ackTimeoutMs ?? 120_000,
    timeoutGraceMs: options.timeoutGraceMs ?? 15 * 60_000,
    stuckTimeoutMs: options.stuckTimeoutMs ?? 60 * 60_000,
    dropStuckJobs: options.dropStuckJobs ?? false,
    traceSizeLimitBytes: options.traceSizeLimitBytes ?? 100 * 1024 * 1024,
    artifactSizeLimitBytes: options.artifactSizeLimitBytes ?? 100 * 1024 * 1024,
    registrationToken: options.registrationToken ?? registrationToken,
    registrationEnabled: options.registrationEnabled ?? true,
    gitPath: options.gitPath ?? DEFAULT_GIT_PATH,
    projectTimeoutS: options.projectTimeoutS ?? 3600,
    gitDepth: options.gitDepth ?? 20,
    runnerTokenTtlS: options.runnerTokenTtlS ?? 0,
  };
}
