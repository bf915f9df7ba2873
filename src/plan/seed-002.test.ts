/**
 * Seed 002 acceptance: its workload (1,682 jobs, ~29 CPU-hours in two weeks, spiky days) on
 * t4g.medium spot with its policy (idle_count 0, idle_time 20m, capacity 1, max_instances 10)
 * must land in the seed's projected $2–5/month, or the report must say why not.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { generateSyntheticHistory } from './history/synthetic.js';
import { parseSyntheticSpec } from './history/synthetic-spec.js';
import { readHistoryFile } from './history/read-history-file.js';
import { formatHistoryCsv } from './history/write-history-csv.js';
import { bundledExample } from './plan-sources.js';
import { bundledPriceTable } from './prices/price-table.js';
import { runPlan } from './replay/run-plan.js';

const SPEC = 'jobs=1682,cpu-hours=29,days=14,spiky=true,seed=1';
const BAND = { lowUsd: 2, highUsd: 5, label: 'seed 002 projection' };

describe('seed 002', () => {
  it('the committed examples/history/seed-002.csv is the synthetic workload for its totals', async () => {
    const expected = [
      ...formatHistoryCsv(generateSyntheticHistory(parseSyntheticSpec(SPEC)).jobs),
    ].join('');
    expect(await readFile(bundledExample().history, 'utf8')).toBe(expected);
  });

  it('lands in $2–5/month or explains the gap', async () => {
    const { config } = await loadConfig(bundledExample().config, { env: {} });
    const history = await readHistoryFile(bundledExample().history);
    const r = await runPlan({ config, history, prices: bundledPriceTable(), expected: BAND });

    expect(r.jobs).toBe(1682);
    expect(r.jobHours).toBeGreaterThan(28.8);
    expect(r.jobHours).toBeLessThan(29.2);
    expect(r.history.spanMs).toBe(14 * 86_400_000);
    expect(r.settings).toMatchObject({
      instanceType: 't4g.medium',
      lifecycle: 'spot',
      idleCount: 0,
      idleTimeMs: 20 * 60_000,
      capacityPerInstance: 1,
      maxInstances: 10,
    });
    expect(r.price.spotPerHourUsd).toBe(0.012);

    const inBand = r.costPerMonthUsd >= BAND.lowUsd && r.costPerMonthUsd <= BAND.highUsd;
    if (inBand) {
      expect(r.explanations.join('\n')).toContain('within the expected $2.00–$5.00/month');
    } else {
      const text = r.explanations.join('\n');
      expect(text).toMatch(
        /(above|below) the expected \$2\.00–\$5\.00\/month \(seed 002 projection\)/,
      );
      if (r.costPerMonthUsd > BAND.highUsd) {
        expect(text).toContain('idle_time=20m0s');
        expect(text).toMatch(/billed VM time per month [\d.]+ h = busy/);
      }
    }
    expect(r.assumptions.join('\n')).toContain('not included: EBS volumes');
  });
});
