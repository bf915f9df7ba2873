/** `--sweep [setting=values …]` and `--wait-target`, as `plan` and `report` both take them. */
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import type { SweepProgress } from '../../plan/sweep/run-sweep.js';

const collect = (value: string, previous: string[] | boolean | undefined): string[] =>
  Array.isArray(previous) ? [...previous, value] : [value];

export function addSweepOptions(cmd: Command): Command {
  return cmd
    .option(
      '--sweep [setting=values]',
      'replay several settings (repeatable): idle_time=0m,5m,20m idle_count=0,1 capacity=1,2 type=… max_instances=… preemptive=true,false',
      collect,
    )
    .option('--wait-target <duration>', 'p95 queue wait the sweep recommendation must meet', '60s');
}

/** Sweep progress on stderr: redrawn in place on a terminal, a line per setting otherwise. */
export function sweepProgress(out: {
  stderr: Writable;
  isTTY: boolean;
}): (p: SweepProgress) => void {
  return (p) => {
    if (p.done < p.total) {
      const line = `sweep ${p.done + 1}/${p.total}: ${p.label}`;
      out.stderr.write(out.isTTY ? `\r\u001b[2K${line}` : `${line}\n`);
    } else if (out.isTTY) out.stderr.write('\r\u001b[2K');
  };
}
