/** Loads a history file (CSV, JSON array or JSON Lines), picking the parser by name or content. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { historyError } from './history-error.js';
import { Interner, sortJobs, type History } from './job-record.js';
import { readCsvHistory } from './read-csv-history.js';
import { readJsonHistory } from './read-json-history.js';

export type HistoryFormat = 'csv' | 'json';

export interface ReadHistoryFileOptions {
  /** Force a format instead of guessing from the extension and first byte. */
  format?: HistoryFormat;
  /** Project for rows that name none. */
  project?: string;
}

async function sniffFormat(path: string): Promise<HistoryFormat> {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(json|jsonl|ndjson)$/i.test(path)) return 'json';
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    return head.startsWith('[') || head.startsWith('{') ? 'json' : 'csv';
  } finally {
    await handle.close();
  }
}

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'syscall' in err && 'code' in err;
}

/** Reads and normalises a history file; jobs come back sorted by queue time. */
export async function readHistoryFile(
  path: string,
  options: ReadHistoryFileOptions = {},
): Promise<History> {
  let format: HistoryFormat;
  try {
    format = options.format ?? (await sniffFormat(path));
  } catch (err: unknown) {
    if (isFsError(err)) throw historyError(path, undefined, `cannot read history: ${err.message}`);
    throw err;
  }
  const interner = new Interner();
  const common = { file: path, interner, ...(options.project ? { project: options.project } : {}) };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    const result =
      format === 'csv'
        ? await readCsvHistory(createInterface({ input: stream, crlfDelay: Infinity }), common)
        : await readJsonHistory(stream as AsyncIterable<string>, common);
    return { jobs: sortJobs(result.jobs), skipped: result.skipped, source: basename(path) };
  } catch (err: unknown) {
    if (isFsError(err)) throw historyError(path, undefined, `cannot read history: ${err.message}`);
    throw err;
  } finally {
    stream.destroy();
  }
}
