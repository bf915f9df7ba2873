export type * from './types.js';
export {
  loadConfig,
  parseConfig,
  type LoadedConfig,
  type LoadConfigOptions,
} from './load-config.js';
export {
  expandEnv,
  jsonencode,
  escapeBasic,
  type EnvMap,
  type ExpandedText,
} from './expand-env.js';
export {
  buildKeyLineIndex,
  formatKeyPath,
  type KeyLineIndex,
  type PathSegment,
} from './line-index.js';
export { describeConfig, redactToken, type DescribeConfigOptions } from './describe-config.js';
export {
  activePolicyIndex,
  checkPeriod,
  createPeriodMatcher,
  isInPeriods,
  isValidTimezone,
  normalizeTimezone,
  type PeriodMatcher,
} from './cron-periods.js';
export { describePeriod, describePeriods } from './period-words.js';
export { providerKindOf, type ProviderKind } from './provider-kind.js';
export {
  generateSystemId,
  loadOrCreateSystemId,
  readMachineIdFile,
  SYSTEM_ID_FILE,
  type SystemIdDeps,
  type SystemIdResult,
} from './system-id.js';
export { upsertRunnerEntry, tomlDateTime, type RunnerEntryInput } from './upsert-runner.js';
export { DEFAULTS, SUPPORTED_EXECUTORS, OTHER_GITLAB_EXECUTORS } from './defaults.js';
export { NOT_IMPLEMENTED } from './check-keys.js';
export { NO_RUNNERS } from './compile-config.js';
export { whyPolicyCannotServe, type PolicyServiceInput } from './policy-rules.js';
export { CONFIG_CATALOG, type TableSpec } from './key-catalog.js';
export { shortenToken } from './short-token.js';
export { parseMemoryBytes, parseCpus } from './compile-docker-cache.js';
export { readProcessEnv } from './process-env.js';
