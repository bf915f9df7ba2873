/**
 * The one place that reads the process environment. The CLI hands this map to the config
 * loader (for `${VAR}` expansion) and to the few commands that take secrets from variables.
 */
export function readProcessEnv(): Readonly<Record<string, string | undefined>> {
  return { ...process.env };
}
