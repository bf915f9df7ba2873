/**
 * restore_cache and archive_cache. Archives live locally at `<cache dir>/<key>/cache.zip`; with
 * a presigned URL they are fetched (GET, 404 = no cache) or uploaded (PUT) by curl on the
 * instance. Cache problems only warn: the job goes on, as in gitlab-runner.
 */
import type { CacheArchivePlan, CacheEntryPlan, CacheRestorePlan } from './cache-plan.js';
import { stagePrologue, type ScriptContext } from './script-context.js';
import {
  echoError,
  echoNotice,
  echoWarning,
  expandableWord,
  shellPath,
  shellQuote,
} from './shell-quote.js';
import {
  ARCHIVE_FUNCTION,
  COLLECT_FUNCTION,
  COMMON_FUNCTIONS,
  curlConfig,
} from './shell-functions.js';
import { renderStageScript } from './stage-script.js';

const RESTORE_FUNCTION = [
  '__sr_cache_restore() {',
  '  local __code',
  '  if [ -n "$1" ]; then',
  '    mkdir -p "$(dirname "$2")" || return 1',
  '    __code=$(__sr_http "$1" -o "$2.download" --max-time "$__sr_cache_timeout")',
  '    case "$__code" in',
  '      2??) mv -f "$2.download" "$2" || return 1 ;;',
  '      404) rm -f "$2.download"; __sr_warn "file does not exist"; return 1 ;;',
  '      *) rm -f "$2.download"; __sr_warn "cache download failed: HTTP status $__code"; return 1 ;;',
  '    esac',
  '  elif [ ! -f "$2" ]; then',
  '    __sr_warn "file does not exist"; return 1',
  '  fi',
  '  unzip -o -q "$2" -d "$__sr_project" || [ "$?" -eq 1 ]',
  '}',
];

const SAVE_FUNCTION = [
  '__sr_cache_save() {',
  '  local __cfg=$1 __file=$2 __max=$3 __list="$__sr_tmp/cache.list" __size __code',
  '  shift 3',
  '  if ! __sr_collect "$__list" "$@"; then __sr_warn "no files to cache"; return 1; fi',
  '  mkdir -p "$(dirname "$__file")" || return 1',
  '  __sr_archive zip "$__list" "$__file.tmp" || return 1',
  '  mv -f "$__file.tmp" "$__file" || return 1',
  '  if [ -z "$__cfg" ]; then',
  '    printf \'%s\\n\' "No URL provided, cache will not be uploaded to shared cache server. Cache will be stored only locally."',
  '    return 0',
  '  fi',
  '  __size=$(wc -c < "$__file")',
  '  if [ "$__max" -gt 0 ] && [ "$__size" -gt "$__max" ]; then',
  '    __sr_warn "cache archive size ($__size bytes) exceeds the maximum uploaded archive size ($__max bytes); not uploaded"',
  '    return 1',
  '  fi',
  '  printf \'%s\\n\' "Uploading cache.zip ($__size bytes)"',
  '  __code=$(__sr_http "$__cfg" -o "$__sr_tmp/http.body" -X PUT --upload-file "$__file" --max-time "$__sr_cache_timeout")',
  '  case "$__code" in',
  '    2??) return 0 ;;',
  '    *) __sr_warn "cache upload failed: HTTP status $__code"; __sr_body; return 1 ;;',
  '  esac',
  '}',
];

function cacheFile(ctx: ScriptContext, key: string): string {
  return shellPath(`${ctx.layout.cacheDir}/${key}/cache.zip`);
}

function preamble(ctx: ScriptContext, extra: readonly string[]): string[] {
  const minutes = Number.parseInt(ctx.vars.value('CACHE_REQUEST_TIMEOUT'), 10);
  return [
    ...COMMON_FUNCTIONS,
    ...extra,
    `__sr_cache_timeout=${(Number.isFinite(minutes) && minutes > 0 ? minutes : 10) * 60}`,
  ];
}

/** Warnings, then an error (exit 1) or a skip notice; true when the entry needs no more. */
function entryHeader(plan: CacheEntryPlan, body: string[]): boolean {
  for (const w of plan.warnings) body.push(echoWarning(w));
  if (plan.error) {
    body.push(echoError(plan.error), 'exit 1');
    return true;
  }
  if (plan.skip) {
    body.push(echoNotice(plan.skip));
    return true;
  }
  return false;
}

export function generateRestoreCacheScript(
  ctx: ScriptContext,
  plans: readonly CacheRestorePlan[],
): string | undefined {
  if (plans.length === 0) return undefined;
  const body = preamble(ctx, RESTORE_FUNCTION);
  for (const plan of plans) {
    if (entryHeader(plan, body)) continue;
    body.push('__sr_done=0');
    for (const source of plan.sources) {
      const cfg = source.url === undefined ? "''" : shellQuote(curlConfig({ url: source.url }));
      body.push(
        'if [ "$__sr_done" = 0 ]; then',
        `  ${echoNotice(`Checking cache for ${source.key}...`)}`,
        `  if __sr_cache_restore ${cfg} ${cacheFile(ctx, source.key)}; then`,
        `    ${echoNotice('Successfully extracted cache')}`,
        '    __sr_done=1',
        '  else',
        `    ${echoWarning('Failed to extract cache')}`,
        '  fi',
        'fi',
      );
    }
  }
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    // No xtrace here: it would print presigned URLs and tokens passed to the helpers.
    debugTrace: false,
  });
}

export function generateArchiveCacheScript(
  ctx: ScriptContext,
  plans: readonly CacheArchivePlan[],
): string | undefined {
  if (plans.length === 0) return undefined;
  const body = preamble(ctx, [...COLLECT_FUNCTION, ...ARCHIVE_FUNCTION, ...SAVE_FUNCTION]);
  const maxBytes = ctx.runner.cache?.maxUploadedArchiveSizeBytes ?? 0;
  for (const plan of plans) {
    if (entryHeader(plan, body)) continue;
    const cfg = plan.url === undefined ? "''" : shellQuote(curlConfig({ url: plan.url }));
    const paths = plan.paths.flatMap((p) => ['--path', expandableWord(p)]);
    body.push(
      echoNotice(`Creating cache ${plan.key}...`),
      `if __sr_cache_save ${cfg} ${cacheFile(ctx, plan.key)} ${maxBytes} ${plan.untracked ? 1 : 0} ${paths.join(' ')}; then`,
      `  ${echoNotice('Created cache')}`,
      'else',
      `  ${echoWarning('Failed to create cache')}`,
      'fi',
    );
  }
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    // No xtrace here: it would print presigned URLs and tokens passed to the helpers.
    debugTrace: false,
  });
}
