/** Stage (trace section) names and the header lines gitlab-runner prints for them. */

export type StageName =
  | 'prepare_executor'
  | 'prepare_script'
  | 'get_sources'
  | 'restore_cache'
  | 'download_artifacts'
  | `step_${string}`
  | 'after_script'
  | 'archive_cache'
  | 'archive_cache_on_failure'
  | 'upload_artifacts_on_success'
  | 'upload_artifacts_on_failure'
  | 'cleanup_file_variables';

const DESCRIPTIONS: Record<string, string> = {
  prepare_script: 'Preparing environment',
  get_sources: 'Getting source from Git repository',
  restore_cache: 'Restoring cache',
  download_artifacts: 'Downloading artifacts',
  after_script: 'Running after_script',
  archive_cache: 'Saving cache for successful job',
  archive_cache_on_failure: 'Saving cache for failed job',
  upload_artifacts_on_success: 'Uploading artifacts for successful job',
  upload_artifacts_on_failure: 'Uploading artifacts for failed job',
  cleanup_file_variables: 'Cleaning up project directory and file based variables',
};

export function stageDescription(stage: StageName): string {
  return DESCRIPTIONS[stage] ?? `Executing "${stage}" stage of the job script`;
}

/** `step_<name>` for a job step, lower-cased like gitlab-runner. */
export function stepStageName(stepName: string): StageName {
  return `step_${stepName.toLowerCase()}`;
}
