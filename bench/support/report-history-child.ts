/**
 * Run by bench/report-history.ts in its own process, so peak RSS is this work's alone: reads the
 * recorded history in argv[2], builds the report, prints the figures as one JSON line.
 */
import { bundledPriceTable } from '../../src/plan/prices/price-table.js';
import { buildReport } from '../../src/manager/history/history-report.js';
import { readRecordedHistory } from '../../src/manager/history/read-history.js';

const dir = process.argv[2]!;
const base = process.memoryUsage();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const history = await readRecordedHistory(dir);
const readMs = performance.now() - t0;
const readCpu = process.cpuUsage(cpu0);
const afterRead = process.memoryUsage();
const t1 = performance.now();
const report = buildReport(history, { region: 'us-east-1', prices: bundledPriceTable() });
const reportMs = performance.now() - t1;
const allCpu = process.cpuUsage(cpu0);
const end = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    readMs,
    reportMs,
    readCpuMs: (readCpu.user + readCpu.system) / 1000,
    reportCpuMs: (allCpu.user + allCpu.system - readCpu.user - readCpu.system) / 1000,
    jobs: history.jobs.length,
    instances: history.instances.length,
    skipped: history.skipped,
    costUsd: report.costUsd,
    baseRssMb: base.rss / 1048576,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterReadMb: afterRead.heapUsed / 1048576,
    heapEndMb: end.heapUsed / 1048576,
  })}\n`,
);
