/**
 * Registering and unregistering a runner (gitlab-runner-protocol.md §1.2–1.5). Used by the CLI,
 * not by the job loop, so it is a port of its own.
 */

export interface RegisterParams {
  description?: string;
  maintenanceNote?: string;
  tagList?: readonly string[];
  runUntagged?: boolean;
  locked?: boolean;
  accessLevel?: 'not_protected' | 'ref_protected';
  maximumTimeoutSeconds?: number;
  paused?: boolean;
}

export interface RegisterResult {
  id: number;
  token: string;
  tokenObtainedAtMs: number;
  tokenExpiresAtMs?: number;
  /** `verify` for `glrt-` tokens (runner created in GitLab first), `legacy` for `POST /runners`. */
  flow: 'verify' | 'legacy';
}

export interface UnregisterResult {
  ok: boolean;
  status: number;
  message?: string;
}

export interface RunnerRegistrationApi {
  /**
   * Legacy registration token → `POST /runners`; a `glrt-` token → `POST /runners/verify`.
   * Throws a UserError when GitLab refuses (bad token, validation, registration disabled).
   */
  register(token: string, params?: RegisterParams, signal?: AbortSignal): Promise<RegisterResult>;
  /** `DELETE /runners` (legacy token) or `DELETE /runners/managers` (`glrt-` token). */
  unregister(signal?: AbortSignal): Promise<UnregisterResult>;
}
