/**
 * download_artifacts and upload_artifacts_on_success/_on_failure. The instance talks to
 * GitLab directly with curl (artifact bytes never pass through the manager); the job token
 * travels in a curl config on stdin, never in argv.
 */
import { posix } from 'node:path';
import type { JobArtifact } from '../../gitlab/job-payload.js';
import { whenMatches } from './cache-plan.js';
import { stagePrologue, type ScriptContext } from './script-context.js';
import { command, echoNotice, expandableWord, shellQuote } from './shell-quote.js';
import {
  ARCHIVE_FUNCTION,
  COLLECT_FUNCTION,
  COMMON_FUNCTIONS,
  curlConfig,
} from './shell-functions.js';
import { renderStageScript } from './stage-script.js';

const DOWNLOAD_FUNCTION = [
  '__sr_download_artifacts() {',
  '  local __file="$__sr_tmp/artifacts-$1.zip" __code',
  '  __code=$(__sr_http "$2" -o "$__file" "$3")',
  '  case "$__code" in',
  '    200) printf \'%s\\n\' "Downloading artifacts from coordinator... ok  id=$1 responseStatus=200 OK" ;;',
  '    404) rm -f "$__file"; __sr_error "Downloading artifacts from coordinator... not found  id=$1 responseStatus=404 Not Found"; return 1 ;;',
  '    401|403) rm -f "$__file"; __sr_error "Downloading artifacts from coordinator... forbidden  id=$1 responseStatus=$__code"; return 1 ;;',
  '    *) __sr_error "Downloading artifacts from coordinator... error  id=$1 responseStatus=$__code"; __sr_body; rm -f "$__file"; return 1 ;;',
  '  esac',
  '  if ! { unzip -o -q "$__file" -d "$__sr_project" || [ "$?" -eq 1 ]; }; then',
  '    __sr_error "cannot extract the artifacts of job $1"; rm -f "$__file"; return 1',
  '  fi',
  '  rm -f "$__file"',
  '}',
];

const UPLOAD_FUNCTION = [
  '__sr_upload_artifact() {',
  '  local __format=$1 __name=$2 __url=$3 __type=$4 __cfg=$5 __code __what',
  '  local __list="$__sr_tmp/artifacts.list" __file="$__sr_tmp/artifacts.upload"',
  '  shift 5',
  '  if ! __sr_collect "$__list" "$@"; then __sr_error "No files to upload"; return 0; fi',
  '  __sr_archive "$__format" "$__list" "$__file" || return 1',
  '  __what="Uploading artifacts as \\"$__type\\" to coordinator..."',
  '  __code=$(__sr_http "$__cfg" -o "$__sr_tmp/http.body" -F "file=@\\"$__file\\";filename=\\"$__name\\";type=application/octet-stream" "$__url")',
  '  rm -f "$__file"',
  '  case "$__code" in',
  '    200|201) printf \'%s\\n\' "$__what $__code Created  id=$__sr_job_id responseStatus=$__code" ;;',
  '    403) __sr_error "$__what forbidden  id=$__sr_job_id responseStatus=403"; __sr_body; return 1 ;;',
  '    413) __sr_error "$__what too large archive  id=$__sr_job_id responseStatus=413"; __sr_body; return 1 ;;',
  '    000) __sr_error "$__what failed: GitLab could not be reached"; return 1 ;;',
  '    *) __sr_error "$__what error  id=$__sr_job_id responseStatus=$__code"; __sr_body; return 1 ;;',
  '  esac',
  '}',
];

export function generateDownloadArtifactsScript(ctx: ScriptContext): string | undefined {
  const deps = ctx.job.dependencies.filter((d) => (d.artifacts_file?.filename ?? '') !== '');
  if (deps.length === 0) return undefined;
  const body = [...COMMON_FUNCTIONS, ...DOWNLOAD_FUNCTION];
  for (const dep of deps) {
    const cfg = curlConfig({ headers: { 'JOB-TOKEN': dep.token } });
    const url = `${ctx.apiUrl}/jobs/${dep.id}/artifacts`;
    body.push(
      echoNotice(`Downloading artifacts for ${dep.name} (${dep.id})...`),
      `__sr_download_artifacts ${dep.id} ${shellQuote(cfg)} ${shellQuote(url)} || exit 1`,
    );
  }
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    // No xtrace here: it would print presigned URLs and tokens passed to the helpers.
    debugTrace: false,
  });
}

/** The artifacts entries to upload for a job that ended with `succeeded`. */
export function artifactsToUpload(ctx: ScriptContext, succeeded: boolean): JobArtifact[] {
  return ctx.job.artifacts.filter(
    (a) => whenMatches(a.when, succeeded) && (a.paths.length > 0 || a.untracked),
  );
}

export function generateUploadArtifactsScript(
  ctx: ScriptContext,
  succeeded: boolean,
): string | undefined {
  const artifacts = artifactsToUpload(ctx, succeeded);
  if (artifacts.length === 0) return undefined;
  const cfg = shellQuote(curlConfig({ headers: { 'JOB-TOKEN': ctx.job.token } }));
  const body = [
    ...COMMON_FUNCTIONS,
    ...COLLECT_FUNCTION,
    ...ARCHIVE_FUNCTION,
    ...UPLOAD_FUNCTION,
    `__sr_job_id=${ctx.job.id}`,
    '__sr_failed=0',
  ];
  for (const a of artifacts) {
    const format = a.artifact_format || 'zip';
    const args = [
      ...a.paths.flatMap((p) => ['--path', expandableWord(p)]),
      ...a.exclude.flatMap((p) => ['--exclude', expandableWord(p)]),
    ];
    body.push(
      echoNotice('Uploading artifacts...'),
      `if ! __sr_upload_artifact ${command(format, uploadFileName(ctx, a), uploadUrl(ctx, a), a.artifact_type)} ${cfg} ${a.untracked ? 1 : 0} ${args.join(' ')}; then`,
      '  __sr_failed=1',
      'fi',
    );
  }
  body.push('exit "$__sr_failed"');
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    // No xtrace here: it would print presigned URLs and tokens passed to the helpers.
    debugTrace: false,
  });
}

/** `<basename of name or "artifacts">` + `.zip`/`.gz`, unchanged for raw (protocol §5.1). */
export function uploadFileName(ctx: ScriptContext, artifact: JobArtifact): string {
  const name = posix.basename(ctx.vars.expand(artifact.name ?? '')) || 'artifacts';
  const safe = name.replace(/["\\\r\n]/g, '_');
  switch (artifact.artifact_format) {
    case 'gzip':
      return `${safe}.gz`;
    case 'raw':
      return safe;
    default:
      return `${safe}.zip`;
  }
}

export function uploadUrl(ctx: ScriptContext, artifact: JobArtifact): string {
  const query = new URLSearchParams();
  if (artifact.artifact_format) query.set('artifact_format', artifact.artifact_format);
  if (artifact.artifact_type) query.set('artifact_type', artifact.artifact_type);
  if (artifact.expire_in) query.set('expire_in', artifact.expire_in);
  const qs = query.toString();
  return `${ctx.apiUrl}/jobs/${ctx.job.id}/artifacts${qs ? `?${qs}` : ''}`;
}
