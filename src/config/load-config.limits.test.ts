import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../platform/errors.js';
import { loadConfig, parseConfig } from './load-config.js';

const RUNNER = `
[[runners]]
name = "r"
url = "https://gitlab.example.com"
token = "glrt-abc"
executor = "docker-autoscaler"
[runners.autoscaler]
plugin = "aws"
max_instances = 10
[runners.autoscaler.plugin_config]
name = "asg"
`;

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'config.toml', {});
  } catch (err: unknown) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('values Go would accept but that are surely mistakes', () => {
  it('rejects a url that is not http(s), at its line', () => {
    const issues = issuesOf(
      `concurrent = 4${RUNNER}`.replace('https://gitlab.example.com', 'gitlab.example.com'),
    );
    expect(issues).toEqual([
      {
        file: 'config.toml',
        line: 4,
        key: 'runners[0].url',
        message:
          'expected an http:// or https:// URL such as "https://gitlab.com", got "gitlab.example.com"',
      },
    ]);
    const ftp = issuesOf(`concurrent = 4${RUNNER}`.replace('https://', 'ftp://'));
    expect(ftp[0]).toMatchObject({ line: 4, key: 'runners[0].url' });
  });

  it('rejects durations above 7 days, in gitlab-runner tables and in plugin_config', () => {
    const policy = issuesOf(
      `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nidle_time = "2000h"\n`,
    );
    expect(policy.map((i) => [i.line, i.key])).toEqual([
      [13, 'runners[0].autoscaler.policy[0].idle_time'],
    ]);
    expect(policy[0]!.message).toMatch(/^expected a duration of at most 168h \(7 days\)/);
    const plugin = issuesOf(
      `concurrent = 4${RUNNER}`.replace('name = "asg"', 'name = "asg"\nimds_poll = "200h"'),
    );
    expect(plugin).toEqual([
      {
        file: 'config.toml',
        line: 12,
        key: 'runners[0].autoscaler.plugin_config.imds_poll',
        message: 'must be at most 168h (7 days)',
      },
    ]);
  });

  it('accepts exactly 7 days', () => {
    const text = `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nidle_time = "168h"\n`;
    const { config } = parseConfig(text, 'config.toml', {});
    expect(config.runners[0]!.autoscaler!.policies[0]!.idleTimeMs).toBe(168 * 3_600_000);
  });

  it('rejects negative intervals', () => {
    const issues = issuesOf(`concurrent = 4\ncheck_interval = -3\nshutdown_timeout = -1${RUNNER}`);
    expect(issues.map((i) => [i.line, i.key])).toEqual([
      [2, 'check_interval'],
      [3, 'shutdown_timeout'],
    ]);
    const idle = issuesOf(
      `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nidle_time = "-5m"\n`,
    );
    expect(idle[0]).toMatchObject({ line: 13, key: 'runners[0].autoscaler.policy[0].idle_time' });
  });
});

describe('policies that can never serve a job', () => {
  it('rejects preemptive_mode = true with idle_count = 0, at the preemptive_mode line', () => {
    const text =
      `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nidle_time = "5m"\n` +
      '[[runners.autoscaler.policy]]\nperiods = ["* 0-6 * * *"]\nidle_count = 0\n' +
      'scale_factor = 2.0\npreemptive_mode = true\nidle_time = "5m"\n';
    expect(issuesOf(text)).toEqual([
      {
        file: 'config.toml',
        line: 18,
        key: 'runners[0].autoscaler.policy[1].preemptive_mode',
        message: expect.stringMatching(
          /^preemptive_mode = true with idle_count = 0 can never serve a job: .*set idle_count ≥ 1 or preemptive_mode = false$/,
        ) as string,
      },
    ]);
  });

  it('accepts preemptive mode with idle capacity, and idle_count = 0 without preemptive mode', () => {
    for (const policy of [
      'idle_count = 1\npreemptive_mode = true',
      'idle_count = 0\npreemptive_mode = false',
      'idle_count = 0',
    ]) {
      const text = `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\n${policy}\nidle_time = "5m"\n`;
      expect(parseConfig(text, 'config.toml', {}).config.runners).toHaveLength(1);
    }
  });
});

describe('the file itself', () => {
  it('names the line and byte of invalid UTF-8', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spotrunner-utf8-'));
    try {
      const path = join(dir, 'config.toml');
      const head = Buffer.from(`concurrent = 4${RUNNER}`.replace('name = "r"', 'name = "caf'));
      const at = head.indexOf('caf') + 3;
      // "café" saved as Latin-1: 0xE9 is not UTF-8.
      await writeFile(
        path,
        Buffer.concat([head.subarray(0, at), Buffer.from([0xe9]), head.subarray(at)]),
      );
      const err = await loadConfig(path, { env: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([
        {
          file: path,
          line: 3,
          message:
            'not valid UTF-8 at byte 12 of the line (0xe9): TOML files must be UTF-8; re-save the file as UTF-8',
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a UTF-8 file with non-ASCII text as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spotrunner-utf8-'));
    try {
      const path = join(dir, 'config.toml');
      await writeFile(path, `concurrent = 4${RUNNER}`.replace('name = "r"', 'name = "café �"'));
      const { config } = await loadConfig(path, { env: {} });
      expect(config.runners[0]!.name).toBe('café �');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns that a file without runners has nothing to run', () => {
    const { warnings } = parseConfig('concurrent = 4\n', 'config.toml', {});
    expect(warnings).toEqual([
      {
        file: 'config.toml',
        line: undefined,
        key: '',
        message: expect.stringMatching(/^no \[\[runners\]\] entries: nothing to run/) as string,
      },
    ]);
  });
});
