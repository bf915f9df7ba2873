/**
 * The image allowlist file: one image reference per line, `#` starts a comment (whole line or
 * after the reference), blank lines are ignored. Images the CI files do not name (a template
 * used through a variable set in project settings, a tool image) are baked in this way.
 */
import { UserError } from '../platform/errors.js';

export interface AllowlistEntry {
  name: string;
  line: number;
}

/** Parses allowlist text; a line with more than one word is a mistake (file:line). */
export function parseAllowlist(text: string, file: string): AllowlistEntry[] {
  const entries: AllowlistEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.search(/(^|\s)#/);
    const content = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (content === '') return;
    if (/\s/.test(content))
      throw new UserError(`${file}:${i + 1}: one image per line, got "${content}"`);
    entries.push({ name: content, line: i + 1 });
  });
  return entries;
}
