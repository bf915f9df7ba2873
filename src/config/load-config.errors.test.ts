import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../platform/errors.js';
import { parseConfig } from './load-config.js';

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

/** The issues of the ConfigError that parsing `text` throws. */
function issuesOf(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(text, 'config.toml', env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function messageOf(text: string, env: Record<string, string> = {}): string {
  try {
    parseConfig(text, 'config.toml', env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors name file, line and key and say what is expected', () => {
  it('keeps smol-toml line and column for syntax errors', () => {
    const issues = issuesOf('concurrent = 2\n[[runners]]\nname = "x\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'config.toml', line: 3 });
    expect(issues[0]!.message).toMatch(/^TOML syntax error at column \d+: /);
  });

  it('maps syntax-error lines back to the original text when a placeholder spans lines', () => {
    const issues = issuesOf('a_list = ${MULTI}\nconcurrent = 2\nbroken = \n', {
      MULTI: '[\n"x",\n"y"]',
    });
    expect(issues[0]!.line).toBe(3);
  });

  it('reports a wrong type with file:line key and the value found', () => {
    const text = `concurrent = 4${RUNNER}`.replace('max_instances = 10', 'max_instances = "ten"');
    expect(messageOf(text)).toBe(
      'config.toml:9: runners[0].autoscaler.max_instances: expected a whole number ≥ 0, got "ten"',
    );
  });

  it('collects every problem, not only the first', () => {
    const text = `concurrent = "many"${RUNNER}`
      .replace('max_instances = 10', 'max_instances = -1\ncapacity_per_instance = 1.5')
      .replace('name = "r"', 'name = "r"\nlimt = 3');
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.line, i.key])).toEqual([
      [1, 'concurrent'],
      [4, 'runners[0].limt'],
      [10, 'runners[0].autoscaler.max_instances'],
      [11, 'runners[0].autoscaler.capacity_per_instance'],
    ]);
    expect(issues[1]!.message).toBe('unknown key "limt" in [[runners]]: did you mean "limit"?');
  });

  it('names a missing environment variable with its file and line', () => {
    const text = `concurrent = \${CONCURRENT}${RUNNER}`.replace(
      'token = "glrt-abc"',
      'token = "${RUNNER_TOKEN}"',
    );
    const issues = issuesOf(text, { CONCURRENT: '3' });
    expect(issues).toEqual([
      {
        file: 'config.toml',
        line: 5,
        key: 'runners[0].token',
        message: 'environment variable RUNNER_TOKEN is not set (referenced as "${RUNNER_TOKEN}")',
      },
    ]);
    try {
      parseConfig(text, 'config.toml', {});
    } catch (err: unknown) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('config_missing_env');
    }
  });

  it('suggests the closest key for a typo', () => {
    const issues = issuesOf(`concurent = 4${RUNNER}`.replace('max_instances', 'max_instance'));
    expect(issues.map((i) => i.message)).toEqual([
      'unknown key "concurent" in the global section: did you mean "concurrent"?',
      'unknown key "max_instance" in [runners.autoscaler]: did you mean "max_instances"?',
    ]);
  });

  it('says where a key belongs when it is in the wrong table', () => {
    const issues = issuesOf(
      `concurrent = 4${RUNNER}`.replace('max_instances = 10', 'idle_count = 2'),
    );
    expect(issues[0]).toMatchObject({ line: 9, key: 'runners[0].autoscaler.idle_count' });
    expect(issues[0]!.message).toBe(
      'unknown key "idle_count" in [runners.autoscaler]: it belongs in [[runners.autoscaler.policy]]',
    );
  });

  it('rejects a key that is neither gitlab-runner nor spotrunner without a far-fetched guess', () => {
    const issues = issuesOf(`concurrent = 4\nbanana_split = true${RUNNER}`);
    expect(issues[0]!.message).toBe(
      'unknown key "banana_split" in the global section: not a gitlab-runner or spotrunner setting',
    );
  });

  it('validates cron periods with the line of the policy', () => {
    const text = `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nperiods = ["* * * *", "61 * * * *"]\nidle_time = "5m"\n`;
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.line, i.key])).toEqual([
      [13, 'runners[0].autoscaler.policy[0].periods[0]'],
      [13, 'runners[0].autoscaler.policy[0].periods[1]'],
    ]);
    expect(issues[0]!.message).toMatch(/^invalid cron period "\* \* \* \*": expected 5 fields/);
    expect(issues[1]!.message).toMatch(/minute/i);
  });

  it('rejects an unknown time zone and suggests a real one', () => {
    const text = `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\ntimezone = "Europe/Berlim"\nidle_time = "5m"\n`;
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 13, key: 'runners[0].autoscaler.policy[0].timezone' });
    expect(issues[0]!.message).toMatch(
      /unknown time zone "Europe\/Berlim".*did you mean "Europe\/Berlin"/,
    );
  });

  it('explains that other gitlab-runner executors are not run by spotrunner', () => {
    const issues = issuesOf(
      `concurrent = 4${RUNNER}`.replace('"docker-autoscaler"', '"kubernetes"'),
    );
    expect(issues[0]).toMatchObject({ line: 6, key: 'runners[0].executor' });
    expect(issues[0]!.message).toBe(
      '"kubernetes" is a gitlab-runner executor spotrunner does not run; use instance, docker-autoscaler, shell, docker',
    );
  });

  it('suggests the intended executor for a misspelt one', () => {
    const issues = issuesOf(
      `concurrent = 4${RUNNER}`.replace('"docker-autoscaler"', '"docker-autoscalr"'),
    );
    expect(issues[0]!.message).toMatch(
      /unknown executor "docker-autoscalr" \(did you mean "docker-autoscaler"\?\)/,
    );
  });

  it('requires [runners.autoscaler] for autoscaled executors', () => {
    const text =
      'concurrent = 1\n[[runners]]\nurl = "https://g"\ntoken = "t"\nexecutor = "instance"\n';
    expect(issuesOf(text)).toEqual([
      {
        file: 'config.toml',
        line: 2,
        key: 'runners[0]',
        message: '[runners.autoscaler] is required for executor "instance"',
      },
    ]);
  });

  it('forbids concurrent = 0 as gitlab-runner does', () => {
    const issues = issuesOf(`concurrent = 0${RUNNER}`);
    expect(issues[0]).toMatchObject({ line: 1, key: 'concurrent' });
    expect(issues[0]!.message).toMatch(/^0 is forbidden/);
  });

  it('rejects a bare number as a duration, since gitlab-runner would read nanoseconds', () => {
    const text = `concurrent = 4${RUNNER}[[runners.autoscaler.policy]]\nidle_time = 1200\n`;
    const issues = issuesOf(text);
    expect(issues[0]).toMatchObject({ line: 13, key: 'runners[0].autoscaler.policy[0].idle_time' });
    expect(issues[0]!.message).toMatch(/nanoseconds.*got 1200$/);
  });

  it('does not print secret values in type errors', () => {
    const message = messageOf(
      `concurrent = 4${RUNNER}`.replace('token = "glrt-abc"', 'token = 12345678'),
    );
    expect(message).toContain('runners[0].token: expected a string, got a number');
    expect(message).not.toContain('12345678');
  });
});

describe('warnings for gitlab-runner keys spotrunner ignores', () => {
  it('lists a non-default ignored key with its line, and keeps loading', () => {
    const text = `concurrent = 4${RUNNER}[runners.docker]\nimage = "alpine"\noom_kill_disable = true\ndns_search = []\n`;
    const { warnings, config } = parseConfig(text, 'config.toml', {});
    expect(warnings).toEqual([
      {
        file: 'config.toml',
        line: 14,
        key: 'runners[0].docker.oom_kill_disable',
        message: 'accepted by gitlab-runner, not implemented by spotrunner yet: ignored',
      },
    ]);
    expect(config.runners[0]!.docker!.image).toBe('alpine');
  });

  it('treats the deprecated pre_clone_script as pre_get_sources_script, with a warning', () => {
    const text = `concurrent = 4${RUNNER}`.replace(
      'name = "r"',
      'name = "r"\npre_clone_script = "echo hi"',
    );
    const { config, warnings } = parseConfig(text, 'config.toml', {});
    expect(config.runners[0]!.preGetSourcesScript).toBe('echo hi');
    expect(warnings[0]).toMatchObject({ line: 4, key: 'runners[0].pre_clone_script' });
  });
});
