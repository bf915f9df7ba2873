/**
 * Bash functions shared by the transfer stages (cache, artifacts). They are defined inside
 * the stage script, so URLs and tokens passed to them never become process arguments: curl
 * reads its URL and headers from a config on stdin (`-K -`), fed by the `printf` builtin.
 */

/** A curl config (`url = "…"`, `header = "…"`) with config-file quoting. */
export function curlConfig(options: { url?: string; headers?: Record<string, string> }): string {
  const quote = (s: string): string =>
    `"${s
      .replace(/[\r\n]/g, '')
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')}"`;
  const lines: string[] = [];
  if (options.url !== undefined) lines.push(`url = ${quote(options.url)}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    lines.push(`header = ${quote(`${name}: ${value}`)}`);
  }
  return lines.join('\n');
}

/** Coloured messages and `__sr_http <config> <curl args…>` (prints the HTTP status, 000 on failure). */
export const COMMON_FUNCTIONS: readonly string[] = [
  "__sr_c_warn=$'\\e[0;33m'; __sr_c_err=$'\\e[31;1m'; __sr_c_ok=$'\\e[32;1m'; __sr_c_reset=$'\\e[0;m'",
  '__sr_warn() { printf \'%s\\n\' "${__sr_c_warn}WARNING: $*${__sr_c_reset}"; }',
  '__sr_error() { printf \'%s\\n\' "${__sr_c_err}ERROR: $*${__sr_c_reset}"; }',
  '__sr_notice() { printf \'%s\\n\' "${__sr_c_ok}$*${__sr_c_reset}"; }',
  '__sr_http() {',
  '  local __cfg=$1 __code',
  '  shift',
  '  __code=$(printf \'%s\\n\' "$__cfg" | curl -sS -L --retry 2 --connect-timeout 30 -K - -w \'%{http_code}\' "$@") || true',
  '  printf \'%s\' "${__code:-000}"',
  '}',
  '__sr_body() { if [ -f "$__sr_tmp/http.body" ]; then head -c 1000 "$__sr_tmp/http.body"; echo; fi; }',
];

/**
 * `__sr_collect <list> <untracked 0|1> [--path P | --exclude E]…` writes the matching files
 * (relative to the project dir, directories expanded) to <list>, one per line, and returns 1
 * when nothing matched. Patterns are globs (`*`, `**`), relative to CI_PROJECT_DIR.
 */
export const COLLECT_FUNCTION: readonly string[] = [
  '__sr_collect() {',
  '  local __list=$1 __untracked=$2 __p __f __n __before __e __skip',
  '  local -a __paths=() __excludes=()',
  '  shift 2',
  '  while [ "$#" -ge 2 ]; do',
  '    case "$1" in --path) __paths+=("$2") ;; --exclude) __excludes+=("$2") ;; esac',
  '    shift 2',
  '  done',
  '  shopt -s globstar nullglob dotglob',
  '  : > "$__list.raw"',
  '  for __p in "${__paths[@]}"; do',
  '    __p=${__p#"$__sr_project"/}; __p=${__p#./}',
  '    case "/$__p/" in //*|*/../*)',
  '      __sr_warn "$__p: not within the project directory ($__sr_project)"; continue ;;',
  '    esac',
  '    __before=$(wc -l < "$__list.raw"); __n=0',
  '    local IFS=',
  '    for __f in ${__p%/}; do',
  '      if [ ! -e "$__f" ] && [ ! -L "$__f" ]; then continue; fi',
  '      if [ -d "$__f" ] && [ ! -L "$__f" ]; then find "$__f" -print >> "$__list.raw";',
  '      else printf \'%s\\n\' "$__f" >> "$__list.raw"; fi',
  '      __n=1',
  '    done',
  '    unset IFS',
  '    if [ "$__n" = 0 ]; then',
  '      __sr_warn "$__p: no matching files. Ensure that the artifact path is relative to the working directory ($__sr_project)"',
  '    else',
  '      printf \'%s\\n\' "$__p: found $(( $(wc -l < "$__list.raw") - __before )) matching artifact files and directories"',
  '    fi',
  '  done',
  '  if [ "$__untracked" = 1 ]; then',
  '    if git ls-files -o -z > "$__list.untracked" 2>/dev/null; then',
  '      tr \'\\0\' \'\\n\' < "$__list.untracked" >> "$__list.raw"',
  '      printf \'%s\\n\' "untracked: found $(tr -cd \'\\0\' < "$__list.untracked" | wc -c) files"',
  '    else',
  '      __sr_warn "untracked: the project directory is not a git repository"',
  '    fi',
  '    rm -f "$__list.untracked"',
  '  fi',
  '  LC_ALL=C sort -u "$__list.raw" | { grep -v -x -F -e . -e "" || true; } > "$__list.sorted"',
  '  : > "$__list"',
  '  while IFS= read -r __f; do',
  '    __skip=0',
  '    for __e in "${__excludes[@]}"; do',
  '      __e=${__e#"$__sr_project"/}; __e=${__e#./}; __e=${__e%/}',
  '      if [[ $__f == $__e || $__f == $__e/* ]]; then __skip=1; break; fi',
  '    done',
  '    if [ "$__skip" = 0 ]; then printf \'%s\\n\' "$__f" >> "$__list"; fi',
  '  done < "$__list.sorted"',
  '  if [ "${#__excludes[@]}" -gt 0 ]; then',
  '    printf \'%s\\n\' "excluded $(( $(wc -l < "$__list.sorted") - $(wc -l < "$__list") )) files and directories"',
  '  fi',
  '  rm -f "$__list.raw" "$__list.sorted"',
  '  [ -s "$__list" ]',
  '}',
];

/** `__sr_archive <format zip|gzip|raw> <list> <archive>`. */
export const ARCHIVE_FUNCTION: readonly string[] = [
  '__sr_archive() {',
  '  local __f __count=0 __last=',
  '  rm -f "$3"',
  '  case "$1" in',
  '    zip) zip -q -y -@ "$3" < "$2" || return 1 ;;',
  '    gzip)',
  '      : > "$3"',
  '      while IFS= read -r __f; do',
  '        if [ -f "$__f" ]; then gzip -c "$__f" >> "$3" || return 1; fi',
  '      done < "$2" ;;',
  '    raw)',
  '      while IFS= read -r __f; do',
  '        if [ -f "$__f" ]; then __count=$((__count + 1)); __last=$__f; fi',
  '      done < "$2"',
  '      if [ "$__count" -ne 1 ]; then __sr_error "only one file can be sent as raw"; return 1; fi',
  '      cp "$__last" "$3" || return 1 ;;',
  '    *) __sr_error "unsupported archive format $1"; return 1 ;;',
  '  esac',
  '}',
];
