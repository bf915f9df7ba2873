/**
 * `spotrunner plan`: replays job history through the fleet engine on a virtual clock and a
 * simulated cloud to project what a fleet will cost before it is deployed.
 */
// History
export type { JobRecord, History } from './history/job-record.js';
export { historySpan, sortJobs } from './history/job-record.js';
export {
  readHistoryFile,
  type ReadHistoryFileOptions,
  type HistoryFormat,
} from './history/read-history-file.js';
export {
  readCsvHistory,
  type ReadHistoryOptions,
  type ReadHistoryResult,
} from './history/read-csv-history.js';
export { readJsonHistory } from './history/read-json-history.js';
export { mapJobRow, parseIsoTimeMs } from './history/job-fields.js';
export { formatHistoryCsv } from './history/write-history-csv.js';
export { generateSyntheticHistory } from './history/synthetic.js';
export { parseSyntheticSpec, type SyntheticOptions } from './history/synthetic-spec.js';
// GitLab import
export {
  importGitlabHistory,
  type GitlabImportDeps,
  type GitlabImportOptions,
  type ImportProgress,
} from './import/import-gitlab-history.js';
export type { FetchFn } from './import/gitlab-http.js';
export { createProgressLine, type ProgressLine } from './import/progress-line.js';
// Prices
export {
  bundledPriceTable,
  lookupInstancePrice,
  mergePriceTables,
  defaultInstanceType,
  DEFAULT_REGION,
  type PriceTable,
  type PriceEntry,
  type PriceTableOverride,
  type InstancePrice,
  type InstanceTypeSpec,
  type Arch,
} from './prices/price-table.js';
export { loadPriceFile, parsePriceFile } from './prices/load-prices.js';
export {
  fetchLiveSpotPrices,
  createEc2SpotPriceSource,
  type SpotPriceSource,
  type SpotPricePoint,
} from './prices/live-spot-prices.js';
// Replay
export { runPlan, type PlanInput } from './replay/run-plan.js';
export { replayJobs, scaledRunMs, type ReplayInput, type ReplayOutcome } from './replay/replay.js';
export {
  resolvePlanSetup,
  resolvePlanTarget,
  DEFAULT_BOOT_MEDIAN_MS,
  DEFAULT_INTERRUPTIONS_PER_INSTANCE_HOUR,
  type PlanFlags,
  type PlanOverrides,
  type PlanSetup,
} from './replay/plan-setup.js';
export type {
  PlanResult,
  PlanSettings,
  PlanLifecycle,
  SeriesPoint,
  CostLine,
} from './replay/plan-result.js';
// Cost
export { alwaysOnCost, type AlwaysOnCost, type AlwaysOnInput } from './cost/always-on.js';
export { projectPerMonth, HOURS_PER_MONTH } from './cost/projection.js';
export { explainCost, parseCostBand, vmHourBreakdown, type CostBand } from './cost/explain-cost.js';
export { percentile, summarize, type Percentiles } from './stats/percentiles.js';
// Reports
export { formatTextReport } from './report/text-report.js';
export { planToJson, type PlanJson } from './report/json-report.js';
export { renderHtmlReport, type HtmlReportInput } from './report/html-report.js';
// Sweep
export {
  parseSweep,
  sweepCombinations,
  DEFAULT_SWEEP,
  type SweepDimension,
  type SweepKey,
} from './sweep/sweep-spec.js';
export {
  runSweep,
  type SweepResult,
  type SweepRow,
  type SweepProgress,
} from './sweep/run-sweep.js';
export { paretoFront, type CostWait } from './sweep/pareto.js';
export { recommend, type Recommendation } from './sweep/recommend.js';
export { formatSweepText, sweepToJson, type SweepJson } from './sweep/sweep-report.js';
// Sources for the command flow (src/cli/plan/run-plan-command.ts)
export {
  bundledExample,
  loadHistory,
  loadPrices,
  parseSince,
  type HistorySourceOptions,
  type PriceSourceOptions,
  type SourceDeps,
} from './plan-sources.js';
