import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { checkKeys } from './check-keys.js';
import { CONFIG_CATALOG, type TableSpec } from './key-catalog.js';
import { buildKeyLineIndex } from './line-index.js';
import { didYouMean } from './suggest.js';

const check = (text: string): ReturnType<typeof checkKeys> =>
  checkKeys(parse(text), 'config.toml', buildKeyLineIndex(text));

describe('key catalog', () => {
  it('lists every sub-table and array of tables in its zod schema, so their types are checked', () => {
    const visit = (spec: TableSpec): void => {
      for (const key of [...Object.keys(spec.tables ?? {}), ...Object.keys(spec.arrays ?? {})]) {
        expect(Object.keys(spec.schema?.shape ?? {}), `${spec.label} ${key}`).toContain(key);
      }
      for (const child of [
        ...Object.values(spec.tables ?? {}),
        ...Object.values(spec.arrays ?? {}),
      ]) {
        visit(child);
      }
    };
    visit(CONFIG_CATALOG);
  });

  it('never lists a key as both implemented and ignored', () => {
    const visit = (spec: TableSpec): void => {
      const implemented = Object.keys(spec.schema?.shape ?? {});
      for (const key of Object.keys(spec.ignored ?? {}))
        expect(implemented, spec.label).not.toContain(key);
      for (const child of [
        ...Object.values(spec.tables ?? {}),
        ...Object.values(spec.arrays ?? {}),
      ]) {
        visit(child);
      }
    };
    visit(CONFIG_CATALOG);
  });
});

describe('checkKeys', () => {
  it('warns only when an ignored key differs from gitlab-runner’s default', () => {
    const result = check(`user = ""
[[runners]]
  [runners.feature_flags]
    FF_NETWORK_PER_BUILD = false
  [runners.cache]
    [runners.cache.s3]
      DualStack = true
      Accelerate = false
[[runners]]
  [runners.cache]
    [runners.cache.s3]
      DualStack = false
  [runners.autoscaler]
    [runners.autoscaler.vm_isolation]
      enabled = true
`);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.line, w.key])).toEqual([
      [3, 'runners[0].feature_flags'],
      [12, 'runners[1].cache.s3.DualStack'],
      [14, 'runners[1].autoscaler.vm_isolation'],
    ]);
  });

  it('accepts anything inside plugin_config', () => {
    const result = check(
      '[[runners]]\n[runners.autoscaler.plugin_config]\nwhatever_key = { nested = 1 }\n',
    );
    expect(result).toEqual({ errors: [], warnings: [] });
  });

  it('reports unknown keys inside arrays of tables with their index', () => {
    const result = check(
      '[[runners]]\n[[runners]]\n[runners.autoscaler]\n[[runners.autoscaler.policy]]\nidle_cnt = 1\n',
    );
    expect(result.errors).toEqual([
      {
        file: 'config.toml',
        line: 5,
        key: 'runners[1].autoscaler.policy[0].idle_cnt',
        message:
          'unknown key "idle_cnt" in [[runners.autoscaler.policy]]: did you mean "idle_count"?',
      },
    ]);
  });
});

describe('didYouMean', () => {
  it('forgives case, underscores and small typos but not unrelated words', () => {
    expect(didYouMean('MaxInstances', ['max_instances', 'max_use_count'])).toBe('max_instances');
    expect(didYouMean('bucketname', ['BucketName', 'BucketLocation'])).toBe('BucketName');
    expect(didYouMean('capacity_per_instances', ['capacity_per_instance'])).toBe(
      'capacity_per_instance',
    );
    expect(didYouMean('zzz', ['concurrent'])).toBeUndefined();
  });
});
