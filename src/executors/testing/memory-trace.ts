/**
 * An in-memory TraceSink for tests: keeps the raw log (with section markers and ANSI framing
 * as the real trace writer would emit them, minus masking and limits) and the section events.
 */
import type { TraceSink } from '../executor.js';

// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\x1b\[[0-9;]*[A-Za-z]/g;

export interface SectionEvent {
  kind: 'start' | 'end';
  name: string;
  header?: string;
  atSeconds: number;
}

export class MemoryTrace implements TraceSink {
  readonly chunks: string[] = [];
  readonly sections: SectionEvent[] = [];
  readonly #nowSeconds: () => number;

  constructor(nowSeconds: () => number = () => 0) {
    this.#nowSeconds = nowSeconds;
  }

  write(chunk: string | Buffer): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  }

  sectionStart(name: string, header: string, options?: { collapsed?: boolean }): void {
    const at = this.#nowSeconds();
    this.sections.push({ kind: 'start', name, header, atSeconds: at });
    const opts = options?.collapsed ? '[collapsed=true]' : '';
    this.chunks.push(`section_start:${at}:${name}${opts}\r\x1b[0K${header}\n`);
  }

  sectionEnd(name: string): void {
    const at = this.#nowSeconds();
    this.sections.push({ kind: 'end', name, atSeconds: at });
    this.chunks.push(`section_end:${at}:${name}\r\x1b[0K\n`);
  }

  info(line: string): void {
    this.chunks.push(`\x1b[32;1m${line}\x1b[0;m\n`);
  }

  warn(line: string): void {
    this.chunks.push(`\x1b[0;33mWARNING: ${line}\x1b[0;m\n`);
  }

  error(line: string): void {
    this.chunks.push(`\x1b[31;1mERROR: ${line}\x1b[0;m\n`);
  }

  /** Everything written, raw. */
  get text(): string {
    return this.chunks.join('');
  }

  /** The log without ANSI sequences and section markers, as a reader sees it. */
  get plain(): string {
    return this.text.replace(/section_(start|end):[^\r\n]*\r/g, '').replace(ANSI_SEQUENCE, '');
  }

  /** Names of the sections started, in order. */
  sectionNames(): string[] {
    return this.sections.filter((s) => s.kind === 'start').map((s) => s.name);
  }
}
