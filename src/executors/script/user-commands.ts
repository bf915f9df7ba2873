/**
 * User commands (before_script, script, after_script, hooks) as gitlab-runner writes them:
 * each is echoed in bold green as `$ <first line>` (multi-line ones marked as collapsed) and
 * then placed in the script verbatim.
 */
import { echoNotice } from './shell-quote.js';

export function renderUserCommands(commands: readonly string[]): string[] {
  const lines: string[] = [];
  for (const raw of commands) {
    const cmd = raw.trim();
    if (cmd === '') {
      lines.push('echo');
      continue;
    }
    const [first, ...rest] = cmd.split('\n');
    lines.push(
      echoNotice(rest.length > 0 ? `$ ${first} # collapsed multi-line command` : `$ ${first}`),
    );
    lines.push(cmd);
  }
  return lines;
}
