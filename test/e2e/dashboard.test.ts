/**
 * The dashboard in a real browser: a manager on the embedded sandbox with a local fleet (priced
 * through a price file, so the money has figures), two jobs run, and the page opened in headless
 * Debian chromium through playwright-core. It must fill in from live data — the jobs in the
 * table, the fleet chart with busy time, money — without a console error or a failed request.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBSERVED_FLEET } from './e2e-config.js';
import { useE2e } from './use-e2e.js';

const CHROMIUM = '/usr/bin/chromium';
const e2e = useE2e();
let browser: Browser | undefined;
let pricesDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: scripts/test-all.sh installs Debian chromium`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
  pricesDir = await mkdtemp(join(tmpdir(), 'dashboard-prices-'));
});

afterAll(async () => {
  await browser?.close();
  await rm(pricesDir, { recursive: true, force: true });
});

describe('the dashboard in a browser', () => {
  it('shows the jobs, the fleet and the money from live data, with no error', async () => {
    // $36/h on demand, $18/h spot: a few seconds of a local instance are cents.
    const prices = join(pricesDir, 'prices.csv');
    await writeFile(
      prices,
      'region,instance_type,on_demand,spot,vcpu,memory_gib,arch\nus-east-1,local,36,18,2,4,amd64\n',
    );
    const h = await e2e.start({
      config: {
        ...OBSERVED_FLEET,
        spotrunnerTable: `prices_file = ${JSON.stringify(prices)}\nprice_region = "us-east-1"`,
      },
    });
    const url = h.statusUrl();
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    try {
      await page.goto(`${url}/`);
      await page.waitForSelector('body[data-loaded="true"]');
      const project = await h.createProject('two-jobs');
      const pipeline = await h.runPipeline(project.id);
      expect(pipeline.jobs.every((j) => j.status === 'success')).toBe(true);

      // The table fills in at the next refreshes: both jobs, finished, on a local instance.
      const finishedRows = page.locator('#jobs tbody tr:not(.running)');
      await finishedRows.nth(1).waitFor({ timeout: 30_000 });
      const rows: string[][] = [];
      for (const row of await finishedRows.all())
        rows.push(await row.locator('td').allTextContents());
      const byName = new Map(rows.map((cells) => [cells[2], cells]));
      for (const name of ['first', 'second']) {
        const cells = byName.get(name);
        expect(cells?.[1]).toBe(project.path);
        expect(cells?.[4]).toMatch(/^local-/);
        expect(cells?.[11]).toBe('success');
      }

      // The fleet chart plotted busy time above its baseline.
      expect(Number(await page.getAttribute('#fleet svg', 'data-points'))).toBeGreaterThan(1);
      const baseline = Number(await page.getAttribute('#fleet line.axis', 'y1'));
      const busy = await page.getAttribute('#fleet polyline[data-series="busy"]', 'points');
      const ys = (busy ?? '').split(' ').map((p) => Number(p.split(',')[1]));
      expect(ys.some((y) => y < baseline)).toBe(true);

      // Money: today's cost in dollars, above zero (the instances were priced).
      const today = page.locator('#money-cards .card .value').first();
      await expect
        .poll(async () => Number((await today.textContent())?.slice(1).replaceAll(',', '')), {
          timeout: 15_000,
        })
        .toBeGreaterThan(0);
      const money = await page.locator('#money-cards .card .value').allTextContents();
      expect(money.length).toBeGreaterThanOrEqual(2);
      for (const v of money) expect(v).toMatch(/^\$[\d,]+\.\d\d$/);
      expect(await page.textContent('#money-prices')).toContain('us-east-1');
      expect(await page.textContent('#error')).toBe('');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
