/**
 * CSV history. The planner's contract is the header `queued_at,duration_s,tags,project`
 * (ISO-8601 time, seconds, tags separated by `;`), always accepted so other tools can feed the
 * planner; extra columns (`name`, `status`, `cpu_request`, `started_at`) are read when present.
 * Richer exports with GitLab job columns (`created_at`, `started_at`, `finished_at`, `duration`,
 * `queued_duration`, `tag_list`, `project_path`) are accepted too.
 */
import { CsvSyntaxError, readCsvRecords } from './csv-records.js';
import { historyError } from './history-error.js';
import { mapJobRow, RowError, type Row } from './job-fields.js';
import { Interner, type JobRecord } from './job-record.js';

export interface ReadHistoryOptions {
  /** File name for error messages. */
  file: string;
  /** Project for rows that name none. */
  project?: string;
  interner?: Interner;
}

export interface ReadHistoryResult {
  jobs: JobRecord[];
  skipped: number;
}

const QUEUE_COLUMNS = ['queued_at', 'created_at', 'started_at', 'queuedatms'];
const DURATION_COLUMNS = ['duration_s', 'duration', 'finished_at', 'durationms'];

function checkHeader(columns: readonly string[], file: string): void {
  const has = (names: readonly string[]): boolean => names.some((n) => columns.includes(n));
  if (!has(QUEUE_COLUMNS) || !has(DURATION_COLUMNS)) {
    throw historyError(
      file,
      1,
      `CSV header must be queued_at,duration_s,tags,project (or GitLab job columns such as ` +
        `created_at,started_at,finished_at,duration,tag_list); got: ${columns.join(',')}`,
    );
  }
}

/** Reads CSV history from a stream of lines. Errors name the file and line. */
export async function readCsvHistory(
  lines: AsyncIterable<string>,
  options: ReadHistoryOptions,
): Promise<ReadHistoryResult> {
  const { file } = options;
  const interner = options.interner ?? new Interner();
  const jobs: JobRecord[] = [];
  let skipped = 0;
  let header: string[] | undefined;
  let keys: string[] = [];
  try {
    for await (const record of readCsvRecords(lines)) {
      if (header === undefined) {
        header = record.fields.map((f) =>
          f
            .replace(/^\uFEFF/, '')
            .trim()
            .toLowerCase(),
        );
        checkHeader(header, file);
        keys = header.map((h) => KEY_ALIASES[h] ?? h);
        continue;
      }
      if (record.fields.length !== header.length) {
        throw historyError(
          file,
          record.line,
          `expected ${header.length} fields (${header.join(',')}), got ${record.fields.length}`,
        );
      }
      const row: Record<string, string> = {};
      for (let i = 0; i < keys.length; i++) row[keys[i]!] = record.fields[i]!.trim();
      const job = mapRow(row, options, interner, record.line);
      if (job) jobs.push(job);
      else skipped++;
    }
  } catch (err: unknown) {
    if (err instanceof CsvSyntaxError) throw historyError(file, err.line, err.message);
    throw err;
  }
  if (header === undefined) throw historyError(file, undefined, 'empty file (no CSV header)');
  return { jobs, skipped };
}

/** Lower-cased headers mapped back to the JobRecord field names the row mapper knows. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  queuedatms: 'queuedAtMs',
  startedatms: 'startedAtMs',
  durationms: 'durationMs',
  cpurequest: 'cpuRequest',
};

function mapRow(
  row: Row,
  options: ReadHistoryOptions,
  interner: Interner,
  line: number,
): JobRecord | undefined {
  try {
    return mapJobRow(row, { interner, ...(options.project ? { project: options.project } : {}) });
  } catch (err: unknown) {
    if (err instanceof RowError) throw historyError(options.file, line, err.message);
    throw err;
  }
}
