/**
 * Streaming CSV (RFC 4180): yields one record per row with the line it started on. Quoted
 * fields may hold commas, doubled quotes and line breaks. Reads line by line, so a file of
 * a million rows never sits in memory as one string.
 */
export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/** Thrown for a quote that never closes; carries the line where the record started. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Splits one complete record; returns undefined while a quoted field is still open. */
export function splitCsvRecord(text: string): string[] | undefined {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

/** Turns a stream of lines (without line endings) into CSV records, skipping blank lines. */
export async function* readCsvRecords(lines: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let lineNo = 0;
  let pending: string | undefined;
  let pendingLine = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = pending === undefined ? line : `${pending}\n${line}`;
    const start = pending === undefined ? lineNo : pendingLine;
    if (pending === undefined && line.trim() === '') continue;
    const fields = splitCsvRecord(text);
    if (fields === undefined) {
      pending = text;
      pendingLine = start;
      continue;
    }
    pending = undefined;
    yield { fields, line: start };
  }
  if (pending !== undefined) {
    throw new CsvSyntaxError('unterminated quoted field', pendingLine);
  }
}
