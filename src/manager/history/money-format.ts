/** `spotrunner report`'s money section as text (money.ts has the figures and their meaning). */
import type { MoneySplit, MoneySummary } from './money.js';

const usd = (n: number): string => `$${n.toFixed(4)}`;
const h = (n: number): string => n.toFixed(2);

function splitLine(s: MoneySplit): string {
  return (
    `${usd(s.costUsd)} = busy ${usd(s.busyUsd)} + idle ${usd(s.idleUsd)} + boot ${usd(s.bootUsd)}` +
    ` + interruption ${usd(s.interruptionUsd)}; ${h(s.instanceHours)} instance-h, ${s.jobs} job(s)`
  );
}

function versus(label: string, actualUsd: number, otherUsd: number, basis: string): string {
  const diff = otherUsd - actualUsd;
  const saved = diff >= 0 ? `saves ${usd(diff)}` : `costs ${usd(-diff)} more`;
  return `  vs ${label} ${usd(otherUsd)}: spotrunner ${saved} (${basis})`;
}

export function formatMoney(m: MoneySummary): string {
  const s = m.savings;
  const prices = `${m.region}, ${m.prices.live ? 'live spot prices' : `prices of ${m.prices.asOf}`}`;
  return [
    `Money at ${new Date(m.nowMs).toISOString()} (UTC days and months; ${prices})`,
    `  Today:          ${splitLine(m.today)}`,
    `  Month to date:  ${splitLine(m.monthToDate)}`,
    `  Projected month ${usd(m.projectedMonth.costUsd)} (${m.projectedMonth.basis})`,
    ...(m.unpricedHours > 0
      ? [`  + ${h(m.unpricedHours)} instance-h this month on types without a price`]
      : []),
    `Month to date ${usd(s.actualUsd)} against:`,
    versus('on-demand', s.actualUsd, s.onDemandUsd, s.basis.onDemand),
    versus('always-on', s.actualUsd, s.alwaysOnUsd, s.basis.alwaysOn),
    versus('GitLab-hosted runners', s.actualUsd, s.gitlabHostedUsd, s.basis.gitlabHosted),
  ].join('\n');
}
