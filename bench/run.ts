/**
 * `npm run bench [name-filter…]`: runs every `bench/*.ts` module's exported `bench*` functions
 * in turn and prints their figures and whether each met its target. Figures only: nothing here
 * fails a build.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { Bench, BenchResult } from './bench-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);

function format(result: BenchResult): string {
  const verdict = result.ok === undefined ? '' : result.ok ? '  [target met]' : '  [target MISSED]';
  const lines = [`\n## ${result.name}${verdict}`];
  if (result.target) lines.push(`   target: ${result.target}`);
  for (const [k, v] of Object.entries(result.figures)) {
    lines.push(`   ${k.padEnd(34)} ${typeof v === 'number' ? formatNumber(v) : v}`);
  }
  return lines.join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toFixed(Math.abs(n) < 10 ? 3 : 1);
}

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'bench-types.ts'].includes(f))
  .filter((f) => !f.endsWith('.test.ts'))
  .sort();

const results: BenchResult[] = [];
for (const file of modules) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith('bench') || typeof fn !== 'function') continue;
    if (filters.length > 0 && !filters.some((f) => `${file}:${name}`.includes(f))) continue;
    process.stderr.write(`running ${file}:${name}…\n`);
    const out = await (fn as Bench)();
    for (const r of Array.isArray(out) ? out : [out]) {
      results.push(r);
      process.stdout.write(`${format(r)}\n`);
    }
  }
}
const missed = results.filter((r) => r.ok === false).map((r) => r.name);
process.stdout.write(
  `\n${results.length} benchmark(s); ${missed.length === 0 ? 'all targets met' : `targets missed: ${missed.join(', ')}`}\n`,
);
