import { describe, expect, it } from 'vitest';
import {
  commandLine,
  errorLine,
  infoLine,
  jobResultLine,
  sectionEndText,
  sectionHeaderText,
  sectionName,
  sectionStartText,
  warningLine,
} from './job-log-format.js';

const T = Date.UTC(2026, 0, 5, 12, 0, 0, 750);

describe('section markers', () => {
  it('writes gitlab-runner start and end markers with unix seconds', () => {
    expect(sectionStartText('prepare_executor', T)).toBe(
      `section_start:${Math.floor(T / 1000)}:prepare_executor\r\x1b[0K`,
    );
    expect(sectionEndText('prepare_executor', T)).toBe(
      `section_end:${Math.floor(T / 1000)}:prepare_executor\r\x1b[0K`,
    );
  });

  it('adds options in brackets', () => {
    expect(sectionStartText('step_1', T, { collapsed: true, hideDuration: true })).toBe(
      `section_start:${Math.floor(T / 1000)}:step_1[collapsed=true,hide_duration=true]\r\x1b[0K`,
    );
  });

  it('writes the header in bold cyan', () => {
    expect(sectionHeaderText('Preparing the "instance" executor')).toBe(
      '\x1b[36;1mPreparing the "instance" executor\x1b[0;m\n',
    );
  });

  it('replaces characters a section name may not contain', () => {
    expect(sectionName('step script:1 ok')).toBe('step_script_1_ok');
  });
});

describe('log lines', () => {
  it('styles lines like gitlab-runner', () => {
    expect(infoLine('Job succeeded')).toBe('\x1b[32;1mJob succeeded\x1b[0;m\n');
    expect(warningLine('careful')).toBe('\x1b[0;33mWARNING: careful\x1b[0;m\n');
    expect(errorLine('broken')).toBe('\x1b[31;1mERROR: broken\x1b[0;m\n');
    expect(commandLine('npm test')).toBe('\x1b[32;1m$ npm test\x1b[0;m\n');
  });

  it('writes the final result line', () => {
    expect(jobResultLine({ result: 'success' })).toBe('\x1b[32;1mJob succeeded\x1b[0;m\n');
    expect(
      jobResultLine({ result: 'failed', failureReason: 'script_failure', message: 'exit code 1' }),
    ).toBe('\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n');
    expect(
      jobResultLine({
        result: 'failed',
        failureReason: 'runner_system_failure',
        message: 'instance lost',
      }),
    ).toBe('\x1b[31;1mERROR: Job failed (system failure): instance lost\x1b[0;m\n');
  });
});
