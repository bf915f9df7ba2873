/** `--input name=value` (sandbox, image discover/bake): values for a CI file's `spec:inputs`. */
import { UserError } from '../platform/errors.js';

/** `--input name=value` flags as a map; a user error for one without a name. */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UserError(`--input must be name=value, got "${flag}"`);
    inputs[flag.slice(0, eq).trim()] = flag.slice(eq + 1);
  }
  return inputs;
}

/** Commander's collector for a repeatable `--input`. */
export const collectInput = (value: string, previous: string[] = []): string[] => [
  ...previous,
  value,
];
