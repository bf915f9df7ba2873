/**
 * The job log's own markup, byte for byte as gitlab-runner writes it (gitlab-runner-protocol.md
 * §7; `helpers/ansi_colors.go`, `helpers/build_section.go`, `common/buildlogger/internal/tee.go`).
 */

export const ANSI = {
  boldRed: '\x1b[31;1m',
  boldGreen: '\x1b[32;1m',
  boldYellow: '\x1b[33;1m',
  boldCyan: '\x1b[36;1m',
  yellow: '\x1b[0;33m',
  reset: '\x1b[0;m',
  clear: '\x1b[0K',
} as const;

export interface SectionOptions {
  collapsed?: boolean;
  hideDuration?: boolean;
}

/** Section names allow letters, digits, `_`, `.` and `-`; anything else becomes `_`. */
export function sectionName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'section';
}

/** `section_start:<unix s>:<name>[opts]\r\x1b[0K` then the header line, if any. */
export function sectionStartText(
  name: string,
  nowMs: number,
  options: SectionOptions = {},
): string {
  const opts = [
    ...(options.collapsed ? ['collapsed=true'] : []),
    ...(options.hideDuration ? ['hide_duration=true'] : []),
  ];
  const suffix = opts.length > 0 ? `[${opts.join(',')}]` : '';
  return `section_start:${Math.floor(nowMs / 1000)}:${sectionName(name)}${suffix}\r${ANSI.clear}`;
}

export function sectionHeaderText(header: string): string {
  return `${ANSI.boldCyan}${header}${ANSI.reset}\n`;
}

/** `section_end:<unix s>:<name>\r\x1b[0K` (no newline, as gitlab-runner writes it). */
export function sectionEndText(name: string, nowMs: number): string {
  return `section_end:${Math.floor(nowMs / 1000)}:${sectionName(name)}\r${ANSI.clear}`;
}

/** A plain logger line: clear, text, reset, newline. */
export function plainLine(message: string): string {
  return `${ANSI.clear}${message}${ANSI.reset}\n`;
}

export function infoLine(message: string): string {
  return `${ANSI.boldGreen}${message}${ANSI.reset}\n`;
}

export function warningLine(message: string): string {
  return `${ANSI.yellow}WARNING: ${message}${ANSI.reset}\n`;
}

export function errorLine(message: string): string {
  return `${ANSI.boldRed}ERROR: ${message}${ANSI.reset}\n`;
}

/** `$ <command>` in bold green, as scripts echo their commands. */
export function commandLine(command: string): string {
  return `${ANSI.boldGreen}$ ${command}${ANSI.reset}\n`;
}

/** The last line gitlab-runner writes: `Job succeeded` or `ERROR: Job failed…: <reason>`. */
export function jobResultLine(outcome: {
  result: 'success' | 'failed';
  failureReason?: string;
  message?: string;
}): string {
  if (outcome.result === 'success') return infoLine('Job succeeded');
  const system = outcome.failureReason === 'runner_system_failure' ? ' (system failure)' : '';
  return errorLine(
    `Job failed${system}: ${outcome.message ?? outcome.failureReason ?? 'unknown error'}`,
  );
}
