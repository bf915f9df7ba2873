/**
 * The normalized form of a `.gitlab-ci.yml`: what the sandbox turns into jobs. Only keywords the
 * sandbox implements appear here; everything else is reported in `warnings`.
 */

export const CI_WHEN_VALUES = [
  'on_success',
  'on_failure',
  'always',
  'manual',
  'delayed',
  'never',
] as const;
export type CiWhen = (typeof CI_WHEN_VALUES)[number];

/** The `when` of artifacts, caches and steps. */
export type CiOutcomeWhen = 'on_success' | 'on_failure' | 'always';

export interface CiVariable {
  key: string;
  value: string;
  /** `expand: false`: the runner must not expand `$VAR` references (payload `raw: true`). */
  raw: boolean;
}

export interface CiImage {
  name: string;
  entrypoint?: string[];
  pullPolicy?: string[];
  dockerPlatform?: string;
  dockerUser?: string | number;
}

export interface CiService extends CiImage {
  alias?: string;
  command?: string[];
  variables?: { key: string; value: string }[];
}

export interface CiReport {
  /** Report type as sent in `artifact_type` (`junit`, `dotenv`, `cobertura`, …). */
  type: string;
  paths: string[];
}

export interface CiArtifacts {
  name?: string;
  paths: string[];
  exclude: string[];
  untracked?: boolean;
  when: CiOutcomeWhen;
  expireIn?: string;
  reports: CiReport[];
}

export type CiCacheKey =
  { kind: 'literal'; value: string } | { kind: 'files'; files: string[]; prefix?: string };

export interface CiCache {
  key: CiCacheKey;
  paths: string[];
  untracked: boolean;
  policy: string;
  when: CiOutcomeWhen;
  fallbackKeys: string[];
}

export interface CiRetry {
  /** Undefined when `retry` is absent or a hash without `max` (then only built-in defaults apply). */
  max?: number;
  when: string[];
  exitCodes: number[];
}

export interface CiNeed {
  job: string;
  artifacts: boolean;
  optional: boolean;
  /** `needs:parallel:matrix`: only these combinations of a matrix job. */
  matrix?: Record<string, string[]>[];
}

export interface CiJob {
  name: string;
  stage: string;
  image?: CiImage;
  services: CiService[];
  variables: CiVariable[];
  beforeScript: string[];
  script: string[];
  afterScript: string[];
  preGetSourcesScript: string[];
  postGetSourcesScript: string[];
  artifacts?: CiArtifacts;
  cache: CiCache[];
  /** `dependencies:`; undefined = default (all earlier-stage jobs, or `needs` with artifacts). */
  dependencies?: string[];
  /** `needs:`; undefined = stage ordering, `[]` = start at once. */
  needs?: CiNeed[];
  tags: string[];
  timeoutS?: number;
  retry: CiRetry;
  allowFailure: boolean;
  allowFailureExitCodes: number[];
  when: CiWhen;
  /** Extra predefined variables from `parallel` (`CI_NODE_INDEX`, `CI_NODE_TOTAL`). */
  nodeIndex?: number;
  nodeTotal?: number;
  /** The job definition a `parallel` job was expanded from (its name in `needs`/`dependencies`). */
  parallelGroup?: string;
}

/** `workflow:auto_cancel` (merged with the matching `workflow:rules` entry's). */
export interface CiAutoCancel {
  onNewCommit: 'conservative' | 'interruptible' | 'none';
  onJobFailure: 'none' | 'all';
}

export interface CiConfig {
  /** All stages in order, including `.pre` and `.post`. */
  stages: string[];
  variables: CiVariable[];
  jobs: CiJob[];
  autoCancel: CiAutoCancel;
  /** Keywords ignored or approximated by the sandbox: never silently dropped. */
  warnings: string[];
  /** Problems that make the pipeline invalid (GitLab would refuse to create it). */
  errors: string[];
}
