/** Plain text of a job log: ANSI escapes, section markers and carriage-return overwrites removed. */

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const SECTION = /section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]]*\])?\r/g;

export function stripAnsi(text: string): string {
  return text
    .replace(SECTION, '')
    .replace(ESCAPES, '')
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const at = trimmed.lastIndexOf('\r');
      return at >= 0 ? trimmed.slice(at + 1) : trimmed;
    })
    .join('\n');
}
