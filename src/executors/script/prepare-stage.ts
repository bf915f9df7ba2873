/**
 * prepare_script: says where the job runs, creates the builds dir and warns about missing
 * tools the later stages need (bash, git, curl, zip/unzip, gzip, coreutils).
 */
import type { ScriptContext } from './script-context.js';
import { ANSI, shellPath, shellQuote } from './shell-quote.js';
import { renderStageScript } from './stage-script.js';

/** Commands an instance must provide. */
export const REQUIRED_TOOLS = ['git', 'curl', 'zip', 'unzip', 'gzip', 'find', 'sort'] as const;

export function generatePrepareScript(ctx: ScriptContext): string {
  const body = [
    'printf \'%s\\n\' "Running on $(hostname 2>/dev/null || uname -n)..."',
    `mkdir -p ${shellPath(ctx.layout.buildsDir)}`,
    `for __sr_tool in ${REQUIRED_TOOLS.join(' ')}; do`,
    '  if ! command -v "$__sr_tool" >/dev/null 2>&1; then',
    `    printf '%s\\n' ${shellQuote(ANSI.yellow + 'WARNING: ')}"$__sr_tool is not installed on this instance; stages that need it will fail"${shellQuote(ANSI.reset)}`,
    '  fi',
    'done',
  ];
  return renderStageScript([], body, { layout: ctx.layout, debugTrace: false });
}
