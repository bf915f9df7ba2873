/**
 * JSON history: an array of GitLab job objects (the `/projects/:id/jobs` shape) or JSON Lines
 * (one job per line, as the API import cache stores them), or objects in the CSV contract's
 * field names. Streams; errors name the file and the line where the bad object starts.
 */
import { describeError } from '../../platform/errors.js';
import { historyError } from './history-error.js';
import { mapJobRow, RowError, type Row } from './job-fields.js';
import { Interner, type JobRecord } from './job-record.js';
import { JsonStreamError, readJsonObjects } from './json-objects.js';
import type { ReadHistoryOptions, ReadHistoryResult } from './read-csv-history.js';

export async function readJsonHistory(
  chunks: AsyncIterable<string>,
  options: ReadHistoryOptions,
): Promise<ReadHistoryResult> {
  const { file } = options;
  const interner = options.interner ?? new Interner();
  const jobs: JobRecord[] = [];
  let skipped = 0;
  try {
    for await (const obj of readJsonObjects(chunks)) {
      let row: unknown;
      try {
        row = JSON.parse(obj.text);
      } catch (err: unknown) {
        throw historyError(file, obj.line, `invalid JSON: ${describeError(err)}`);
      }
      if (!row || typeof row !== 'object' || Array.isArray(row)) {
        throw historyError(file, obj.line, 'expected a job object');
      }
      try {
        const job = mapJobRow(row as Row, {
          interner,
          ...(options.project ? { project: options.project } : {}),
        });
        if (job) jobs.push(job);
        else skipped++;
      } catch (err: unknown) {
        if (err instanceof RowError) throw historyError(file, obj.line, err.message);
        throw err;
      }
    }
  } catch (err: unknown) {
    if (err instanceof JsonStreamError) throw historyError(file, err.line, err.message);
    throw err;
  }
  return { jobs, skipped };
}
