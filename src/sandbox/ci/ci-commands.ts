/**
 * `script`, `before_script`, `after_script` and hook scripts: a string, or a list of strings
 * and lists nested up to 10 levels deep (what `!reference` tags and YAML anchors build), which
 * GitLab flattens. Anything else (a number, a hash from an unquoted `key: value` line, deeper
 * nesting) is refused with GitLab's message.
 */
import type { CiIssues } from './ci-parts.js';

/** GitLab's `Entry::Commands::MAX_NESTING_LEVEL`. */
export const MAX_COMMANDS_NESTING = 10;

function isNestedStrings(value: unknown, levelsLeft: number): boolean {
  if (typeof value === 'string') return true;
  if (levelsLeft <= 0 || !Array.isArray(value)) return false;
  return value.every((item) => isNestedStrings(item, levelsLeft - 1));
}

/**
 * The commands of `value` flattened, or [] after reporting `<where> config should be …`.
 * `where` is the keyword's path, such as `jobs:build:script`.
 */
export function parseCommands(value: unknown, where: string, issues: CiIssues): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !isNestedStrings(value, MAX_COMMANDS_NESTING)) {
    issues.errors.push(
      `${where} config should be a string or a nested array of strings up to ${MAX_COMMANDS_NESTING} levels deep`,
    );
    return [];
  }
  return (value as unknown[]).flat(MAX_COMMANDS_NESTING) as string[];
}
