import { UserError } from '../../platform/errors.js';

/** A problem in a history file the user can fix; the message names the file and line. */
export function historyError(file: string, line: number | undefined, message: string): UserError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new UserError(`${where}: ${message}`, 'usage');
}
