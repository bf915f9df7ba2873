import { parse as parseToml } from 'smol-toml';
import { UserError } from '../platform/errors.js';
import type { ExecutorName } from './types.js';
import { escapeBasic } from './expand-env.js';
import {
  ML_BASIC,
  ML_LITERAL,
  classifyToml,
  commentStart,
  lineStarts,
  parseDottedKey,
} from './toml-scan.js';

export interface RunnerEntryInput {
  name: string;
  url: string;
  token: string;
  id?: number;
  tokenObtainedAtMs?: number;
  /** Undefined = the token does not expire (written as Go's zero time, like gitlab-runner). */
  tokenExpiresAtMs?: number;
  executor: ExecutorName;
  /** TOML appended inside a new `[[runners]]` block (e.g. `[runners.autoscaler]` tables); not used on update. */
  extraToml?: string;
}

interface KeyLine {
  line: number;
  /** Offset in the line where the value starts and where it (and trailing blanks) end. */
  valueStart: number;
  valueEnd: number;
  value: unknown;
  rawValue: string;
}

interface RunnerBlock {
  header: number;
  keys: Map<string, KeyLine>;
  lastKeyLine: number;
}

/** Finds each `[[runners]]` block and the key lines of its own table (before any sub-table). */
function findRunnerBlocks(text: string): RunnerBlock[] {
  const classes = classifyToml(text);
  const starts = lineStarts(text);
  const blocks: RunnerBlock[] = [];
  let current: RunnerBlock | undefined;
  starts.forEach((start, idx) => {
    const prev = classes[start - 1];
    if (start > 0 && (prev === ML_BASIC || prev === ML_LITERAL)) return;
    const end = idx + 1 < starts.length ? starts[idx + 1]! - 1 : text.length;
    const cut = commentStart(classes, start, end) - start;
    const line = text.slice(start, end);
    const content = line.slice(0, cut).trim();
    if (content.startsWith('[')) {
      const isRunners = /^\[\[\s*runners\s*\]\]$/.test(content);
      current = isRunners ? { header: idx, keys: new Map(), lastKeyLine: idx } : undefined;
      if (current) blocks.push(current);
      return;
    }
    const key = current && parseDottedKey(line);
    const eq = key ? line.indexOf('=', key.length) : -1;
    if (
      !current ||
      !key ||
      key.segments.length !== 1 ||
      eq < 0 ||
      line.slice(key.length, eq).trim() !== ''
    )
      return;
    const valueStart = eq + 1 + (/^[ \t]*/.exec(line.slice(eq + 1))?.[0].length ?? 0);
    const rawValue = line.slice(valueStart, cut).trimEnd();
    let value: unknown;
    try {
      value = parseToml(`v = ${rawValue}`).v;
    } catch {
      value = undefined; // a multi-line or placeholder value: compared as raw text only
    }
    current.keys.set(key.segments[0]!, {
      line: idx,
      valueStart,
      valueEnd: valueStart + rawValue.length,
      value,
      rawValue,
    });
    current.lastKeyLine = idx;
  });
  return blocks;
}

const tomlString = (s: string): string => `"${escapeBasic(s)}"`;

/** A TOML offset date-time; undefined → Go's zero time, which gitlab-runner writes for "none". */
export function tomlDateTime(ms: number | undefined): string {
  return ms === undefined
    ? '0001-01-01T00:00:00Z'
    : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

function pickBlock(blocks: RunnerBlock[], entry: RunnerEntryInput): RunnerBlock | undefined {
  const byToken = blocks.find(
    (b) => entry.token !== '' && b.keys.get('token')?.value === entry.token,
  );
  if (byToken) return byToken;
  const byUrlName = blocks.filter(
    (b) => b.keys.get('url')?.value === entry.url && b.keys.get('name')?.value === entry.name,
  );
  if (byUrlName.length > 1) {
    throw new UserError(
      `several [[runners]] entries have name "${entry.name}" and url "${entry.url}": edit the file by hand`,
    );
  }
  return byUrlName[0];
}

function updateBlock(lines: string[], block: RunnerBlock, entry: RunnerEntryInput): void {
  const values: [string, string][] = [['token', tomlString(entry.token)]];
  if (entry.id !== undefined) values.push(['id', String(entry.id)]);
  values.push(['token_obtained_at', tomlDateTime(entry.tokenObtainedAtMs)]);
  values.push(['token_expires_at', tomlDateTime(entry.tokenExpiresAtMs)]);
  const anchor = block.keys.get('token') ?? [...block.keys.values()][0];
  const indent = anchor ? (/^[ \t]*/.exec(lines[anchor.line]!)?.[0] ?? '') : '  ';
  const eol = lines[block.header]!.endsWith('\r') ? '\r' : '';
  const inserts: string[] = [];
  for (const [key, value] of values) {
    const at = block.keys.get(key);
    if (at === undefined) {
      inserts.push(`${indent}${key} = ${value}${eol}`);
    } else if (at.rawValue.includes('${')) {
      throw new UserError(
        `runners entry "${entry.name}": ${key} is set from ${at.rawValue}; update that variable instead ` +
          '(spotrunner does not write a value over a placeholder)',
      );
    } else {
      const line = lines[at.line]!;
      lines[at.line] = line.slice(0, at.valueStart) + value + line.slice(at.valueEnd);
    }
  }
  const after = block.keys.get('token')?.line ?? block.lastKeyLine;
  lines.splice(after + 1, 0, ...inserts);
}

function newBlock(entry: RunnerEntryInput, eol: string): string {
  const body = [
    '[[runners]]',
    `  name = ${tomlString(entry.name)}`,
    `  url = ${tomlString(entry.url)}`,
    ...(entry.id === undefined ? [] : [`  id = ${entry.id}`]),
    `  token = ${tomlString(entry.token)}`,
    `  token_obtained_at = ${tomlDateTime(entry.tokenObtainedAtMs)}`,
    `  token_expires_at = ${tomlDateTime(entry.tokenExpiresAtMs)}`,
    `  executor = ${tomlString(entry.executor)}`,
  ];
  const extra = entry.extraToml?.replace(/\r?\n$/, '').split(/\r?\n/) ?? [];
  return [...body, ...extra].join(eol) + eol;
}

/**
 * For `spotrunner register`: updates the token, id and token dates of the `[[runners]]` entry with
 * the same token (or the same url and name), or appends a new entry. Every other byte of the file
 * (comments, order, formatting) stays as it was.
 */
export function upsertRunnerEntry(text: string, entry: RunnerEntryInput): string {
  const block = pickBlock(findRunnerBlocks(text), entry);
  if (block) {
    const lines = text.split('\n');
    updateBlock(lines, block, entry);
    return lines.join('\n');
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep =
    text === '' ? '' : text.endsWith(eol + eol) ? '' : text.endsWith('\n') ? eol : eol + eol;
  return text + sep + newBlock(entry, eol);
}
