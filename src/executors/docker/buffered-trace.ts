/**
 * Collects trace lines written by concurrent work (image pulls, service starts) so they can
 * be replayed in a stable order once all of it has finished.
 */
import type { TraceSink } from '../executor.js';

type Entry = ['write', string | Buffer] | ['info' | 'warn' | 'error', string];

export class BufferedTrace implements TraceSink {
  readonly #entries: Entry[] = [];

  write(chunk: string | Buffer): void {
    this.#entries.push(['write', chunk]);
  }

  sectionStart(): void {
    // Sections are the job run's business; nothing concurrent opens one.
  }

  sectionEnd(): void {
    // See sectionStart.
  }

  info(line: string): void {
    this.#entries.push(['info', line]);
  }

  warn(line: string): void {
    this.#entries.push(['warn', line]);
  }

  error(line: string): void {
    this.#entries.push(['error', line]);
  }

  replayInto(trace: TraceSink): void {
    for (const entry of this.#entries.splice(0)) {
      if (entry[0] === 'write') trace.write(entry[1]);
      else trace[entry[0]](entry[1]);
    }
  }
}
