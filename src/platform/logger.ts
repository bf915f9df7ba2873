import { pino, type DestinationStream } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export type LogFields = Record<string, unknown>;

/** The logging surface every component receives through `deps`. pino satisfies it. */
export interface Logger {
  trace(fields: LogFields, msg: string): void;
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(bindings: LogFields): Logger;
}

/** Field names whose values are never written, wherever they appear (two levels deep). */
export const REDACTED_KEYS = [
  'token',
  'jobToken',
  'runnerToken',
  'password',
  'secret',
  'secretKey',
  'SecretKey',
  'AccessKey',
  'accessKey',
  'privateKey',
  'key',
  'authorization',
  'credentials',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]);

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'text';
  destination?: DestinationStream;
}

/** A pino logger with secret redaction; `text` format writes one readable line per record. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const destination = options.destination ?? (options.format === 'text' ? textStream() : undefined);
  const base = pino(
    {
      level,
      base: undefined,
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
  return base;
}

/** Renders pino JSON lines as `time level component msg key=value …` on stderr. */
function textStream(): DestinationStream {
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stderr.write(line);
        return;
      }
      const { time, level, msg, component, ...rest } = rec;
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const lvl = pino.levels.labels[Number(level)] ?? String(level);
      const comp = typeof component === 'string' ? ` [${component}]` : '';
      process.stderr.write(
        `${String(time)} ${lvl.toUpperCase().padEnd(5)}${comp} ${String(msg)}${fields ? ' ' + fields : ''}\n`,
      );
    },
  };
}

export interface LogRecord {
  level: Exclude<LogLevel, 'silent' | 'fatal'>;
  msg: string;
  fields: LogFields;
}

/** A logger that keeps records in memory, for tests. Children share the record list. */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  readonly #bindings: LogFields;

  constructor(records: LogRecord[] = [], bindings: LogFields = {}) {
    this.records = records;
    this.#bindings = bindings;
  }

  #add(level: LogRecord['level'], fields: LogFields, msg: string): void {
    this.records.push({ level, msg, fields: { ...this.#bindings, ...fields } });
  }

  trace(fields: LogFields, msg: string): void {
    this.#add('trace', fields, msg);
  }
  debug(fields: LogFields, msg: string): void {
    this.#add('debug', fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.#add('info', fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.#add('warn', fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.#add('error', fields, msg);
  }
  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.records, { ...this.#bindings, ...bindings });
  }

  messages(level?: LogRecord['level']): string[] {
    return this.records.filter((r) => !level || r.level === level).map((r) => r.msg);
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
