/** Runs a generated stage script through a connection the way the executor does (`bash -s`). */
import type { InstanceConnection } from '../../connect/connection.js';

export interface ScriptRun {
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

export async function runScript(connection: InstanceConnection, text: string): Promise<ScriptRun> {
  const chunks: Buffer[] = [];
  const result = await connection.exec('bash -s', {
    stdin: text,
    onStdout: (c) => chunks.push(c),
    onStderr: (c) => chunks.push(c),
  });
  return { exitCode: result.exitCode, output: Buffer.concat(chunks).toString('utf8') };
}

/** The output without ANSI colour sequences. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}
