/**
 * The manager's recorded history: an append-only JSON-lines file (`history.jsonl`) in its state
 * directory, rotated by size to `history.1.jsonl` … `history.<keep-1>.jsonl` (oldest dropped), so
 * it stays bounded and survives restarts. Appends are synchronous and small (one line per job or
 * instance); a failed write is the caller's to log.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';

export interface HistoryLogOptions {
  dir: string;
  /** Rotate when the current file reaches this size; default 8 MiB. */
  maxBytes?: number;
  /** Files kept including the current one; default 5. */
  keep?: number;
}

export interface HistoryLog {
  readonly dir: string;
  append(record: object): void;
}

export const HISTORY_FILE = 'history.jsonl';

function rotatedName(n: number): string {
  return n === 0 ? HISTORY_FILE : `history.${n}.jsonl`;
}

export function openHistoryLog(options: HistoryLogOptions): HistoryLog {
  const { dir } = options;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const keep = Math.max(1, options.keep ?? 5);
  mkdirSync(dir, { recursive: true });
  const current = join(dir, HISTORY_FILE);
  let size = existsSync(current) ? statSync(current).size : 0;
  const rotate = (): void => {
    rmSync(join(dir, rotatedName(keep - 1)), { force: true });
    for (let n = keep - 2; n >= 0; n--) {
      const from = join(dir, rotatedName(n));
      if (existsSync(from)) renameSync(from, join(dir, rotatedName(n + 1)));
    }
    size = 0;
  };
  return {
    dir,
    append(record) {
      const line = `${JSON.stringify(record)}\n`;
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      appendFileSync(current, line, { mode: 0o600 });
      size += bytes;
    },
  };
}

/** The history files in `dir`, oldest first (so records come out in write order). */
export function historyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const numbered = readdirSync(dir)
    .map((f) => /^history(?:\.(\d+))?\.jsonl$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[0], n: m[1] === undefined ? 0 : Number(m[1]) }));
  return numbered.sort((a, b) => b.n - a.n).map((f) => join(dir, f.file));
}
