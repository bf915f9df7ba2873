/**
 * Fleet scenarios as fixture folders: `test/scenarios/<name>/scenario.yaml` (fleet options, sim
 * settings, job timeline) and `expected.json`:
 *   samples: [{ at: "5m", instances: 4, ... }]   fields of the fleet at that virtual time
 *   totals:  { launches: 3, jobsOk: 4, ... }      exact counters at the end of the run
 *   bounds:  { maxWaitMs: { min, max } }          ranges for counters
 *   logs:    { "instance unexpectedly removed": 1 }  how often each log message appeared
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDurationMs } from '../src/platform/durations.js';
import { normalizeDurations, runScenario, type ScenarioSpec } from './scenarios/scenario-driver.js';

interface Expected {
  samples?: ({ at: string } & Record<string, number | string>)[];
  totals?: Record<string, number>;
  bounds?: Record<string, { min?: number; max?: number }>;
  logs?: Record<string, number>;
}

const root = join(import.meta.dirname, 'scenarios');
const names = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'scenario.yaml')))
  .map((d) => d.name)
  .sort();

describe('fleet scenarios', () => {
  it('finds the scenario fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of names) {
    const spec = normalizeDurations(
      parse(readFileSync(join(root, name, 'scenario.yaml'), 'utf8')),
    ) as ScenarioSpec;
    const expected = JSON.parse(
      readFileSync(join(root, name, 'expected.json'), 'utf8'),
    ) as Expected;

    it(`${name}: ${spec.description ?? ''}`, async () => {
      const samples = (expected.samples ?? []).map((s) => ({ ...s, ms: parseDurationMs(s.at) }));
      const result = await runScenario(
        spec,
        samples.map((s) => s.ms),
      );
      for (const { at, ms, ...fields } of samples) {
        expect(result.samples.get(ms), `sample at ${at}`).toMatchObject(fields);
      }
      for (const [key, value] of Object.entries(expected.totals ?? {})) {
        expect(result.totals[key], `total ${key}`).toBe(value);
      }
      for (const [key, { min, max }] of Object.entries(expected.bounds ?? {})) {
        if (min !== undefined)
          expect(result.totals[key], `${key} ≥ ${min}`).toBeGreaterThanOrEqual(min);
        if (max !== undefined)
          expect(result.totals[key], `${key} ≤ ${max}`).toBeLessThanOrEqual(max);
      }
      for (const [msg, count] of Object.entries(expected.logs ?? {})) {
        expect(result.logs.get(msg) ?? 0, `log "${msg}"`).toBe(count);
      }
    });
  }
});
