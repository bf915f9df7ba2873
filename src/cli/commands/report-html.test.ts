import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAll, parseHtml, tableAfter, textOf } from '../testing/parse-html.js';
import {
  BOOT_S,
  fixtureRecords,
  IDLE_S,
  JOBS,
  makeFixture,
  runMinutes,
  runReport,
  type Fixture,
} from '../testing/report-fixture.js';

const CONFIG = '<config>';
const NOW = '2026-11-02T23:00:00Z';
const NASTY = `<script>alert("x")</script> & 'q'`;
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
});

async function page(args: string[]): Promise<{ html: string; out: string }> {
  fx = await makeFixture(fixtureRecords((k) => (k === 0 ? NASTY : 'g/web')));
  const withConfig = args.map((a) => (a === CONFIG ? fx!.config : a));
  const file = join(fx.dir, 'report.html');
  const { out } = await runReport([
    '--state-dir',
    fx.stateDir,
    '--html',
    file,
    '--now',
    NOW,
    ...withConfig,
  ]);
  return { html: await readFile(file, 'utf8'), out };
}

function expectSelfContained(html: string): void {
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\(/i);
}

describe('spotrunner report --html', () => {
  it('writes a self-contained page with realized hours and cost per type and project, escaped', async () => {
    const { html, out } = await page([]);
    expect(out).toContain('HTML report written to');
    expectSelfContained(html);
    const root = parseHtml(html);
    const runH = Array.from({ length: JOBS }, (_, k) => runMinutes(k) / 60);
    const billed = (JOBS * (BOOT_S + IDLE_S)) / 3600 + runH.reduce((a, b) => a + b, 0);
    expect(tableAfter(root, 'Hours and cost by instance type')).toEqual([
      ['type', 'lifecycle', 'instances', 'billed h', 'boot h', 'busy h', 'idle h', 'price', 'cost'],
      [
        't4g.medium',
        'on-demand',
        '6',
        billed.toFixed(2),
        ((JOBS * BOOT_S) / 3600).toFixed(2),
        runH.reduce((a, b) => a + b, 0).toFixed(2),
        ((JOBS * IDLE_S) / 3600).toFixed(2),
        '$0.0336/h',
        `$${(billed * 0.0336).toFixed(4)}`,
      ],
    ]);
    const projects = tableAfter(root, 'Cost by project');
    // The hostile project name comes back as text, never as markup.
    expect(projects.map((r) => r[0])).toContain(NASTY);
    expect(projects.find((r) => r[0] === NASTY)?.[1]).toBe('1');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;');
    // Money (merged from the money section): every instance was gone by --now, all of it today.
    const money = tableAfter(root, 'Money');
    const cost = `$${(billed * 0.0336).toFixed(4)}`;
    expect(money.map((r) => [r[0], r[1]])).toEqual([
      ['', 'cost'],
      ['today', cost],
      ['month to date', cost],
    ]);
    expect(tableAfter(root, 'Month to date against').map((r) => r[0])).toEqual([
      '',
      'on-demand',
      'always-on',
      'GitLab-hosted runners',
    ]);
    expect(findAll(root, (n) => n.tag === 'svg')).toHaveLength(1);
    expect(html).not.toContain('Realized against replayed');
  });

  it('adds the comparison and the sweep table with --config and --sweep', async () => {
    const { html } = await page([
      '--config',
      CONFIG,
      '--sweep',
      'idle_time=1m,30m',
      '--wait-target',
      '5m',
    ]);
    expectSelfContained(html);
    const root = parseHtml(html);
    const compare = tableAfter(root, 'Realized against replayed');
    expect(compare[0]).toEqual(['', 'realized', 'replayed', 'difference']);
    const busy = compare.find((r) => r[0] === 'busy hours')!;
    expect(busy[1]).toBe(busy[2]);
    expect(compare.find((r) => r[0] === 'jobs')).toEqual(['jobs', '6', '6', '±0']);
    const sweep = tableAfter(root, 'Sweep: cost against queue wait');
    expect(sweep.map((r) => r[0])).toEqual(['idle_time', '1m', '30m']);
    const rec = findAll(root, (n) => n.tag === 'tr' && n.attrs['class'] === 'rec');
    expect(rec.map((r) => textOf(r.children[0]!))).toEqual(['1m']);
    expect(textOf(root)).toContain('recommended (idle_time=1m)');
    // Realized fleet, replayed fleet, cost against wait.
    expect(findAll(root, (n) => n.tag === 'svg')).toHaveLength(3);
  });
});
