import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { awsGroupCheck } from '../../src/app/aws-checks.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerFleetCommand } from '../../src/cli/commands/fleet.js';
import type { FleetRow } from '../../src/cli/fleet-table.js';
import { createProgram } from '../../src/cli/program.js';
import { registerVerifyCommand } from '../../src/cli/commands/verify.js';
import { startAwsE2e, type AwsE2e } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** Runs one CLI command in process; returns its output and exit code. */
async function spotrunner(...args: string[]): Promise<{ out: string; code: number }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  let code = 0;
  const ctx: CliContext = {
    env: {},
    stdout,
    stderr: stdout,
    cwd: '/',
    version: 'e2e-aws',
    isTTY: false,
    onSignal: () => () => undefined,
    setExitCode: (c) => {
      code = c;
    },
  };
  const program = createProgram(ctx, [
    (p, c) => registerVerifyCommand(p, c, [awsGroupCheck()]),
    registerFleetCommand,
  ]);
  await program.parseAsync(['node', 'spotrunner', ...args]);
  return { out, code };
}

const SLOW = `slow:\n  script:\n    - echo "slow started"\n    - sleep 4\n    - echo "slow finished"\n`;
const QUICK = ['q1', 'q2'].map((n) => `${n}:\n  script:\n    - sleep 1\n`).join('');

describe('operator commands against the AWS double', () => {
  it('verify passes a well set up group and prints the fix for every misconfiguration', async () => {
    e2e = await startAwsE2e({ manager: 'none', config: { maxInstances: 3 } });
    const good = await spotrunner('verify', '--config', e2e.configFile);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/✓ runner "aws-spot" .* is valid/);
    // tag_group = true: the manager writes its ownership tags at start, so none is missing.
    expect(good.out).toContain('✓ aws primary group "spot": set up as spotrunner needs it');

    e2e.double.controls.updateGroup('spot', {
      min: 1,
      max: 2,
      protectFromScaleIn: false,
      suspendedProcesses: [],
      capacityRebalance: true,
      policies: ['cpu-target'],
      httpTokens: 'optional',
    });
    const bad = await spotrunner('verify', '--config', e2e.configFile);
    expect(bad.code).toBe(1);
    for (const fix of [
      '--min-size 0',
      '--max-size 3',
      '--new-instances-protected-from-scale-in',
      '--scaling-processes AZRebalance',
      '--no-capacity-rebalance',
      'delete-policy --auto-scaling-group-name spot --policy-name cpu-target',
      '"HttpTokens":"required"',
    ]) {
      expect(bad.out).toContain(fix);
    }
  });

  it("fleet ls shows the running manager's instances and fleet drain hands one back", async () => {
    e2e = await startAwsE2e({
      config: { capacityPerInstance: 1, maxInstances: 3, idleTime: '60s' },
    });
    const h = e2e;
    expect((await h.waitPipeline(await h.startPipeline(await h.createProject(QUICK)))).status).toBe(
      'success',
    );
    const pipelineId = await h.startPipeline(await h.createProject(SLOW));
    const jobId = await h.waitFor('the slow job under way', () => {
      const job = h.job(pipelineId, 'slow');
      return h.trace(job.id).includes('slow started') && job.id;
    });
    const busy = await h.instanceOfJob(jobId);

    const ls = await spotrunner('fleet', 'ls', '--config', h.configFile, '--json');
    const rows = JSON.parse(ls.out) as FleetRow[];
    expect(rows.map((r) => r.id).sort()).toEqual(
      h.double.controls
        .instances('spot')
        .filter((i) => i.inGroup)
        .map((i) => i.id)
        .sort(),
    );
    const row = rows.find((r) => r.id === busy)!;
    expect(row).toMatchObject({ runner: 'aws-spot', instanceType: 'm7i.large', lifecycle: 'spot' });
    expect(row.jobIds).toEqual([jobId]);
    expect(row.costSoFarUsd).toBeGreaterThan(0);
    expect(rows.some((r) => r.idleMs !== undefined && r.jobIds.length === 0)).toBe(true);
    const text = await spotrunner('fleet', 'ls', '--manager', h.statusUrl);
    expect(text.out).toMatch(new RegExp(`${busy}\\s+ready\\s+m7i\\.large\\s+spot`));

    // Draining the busy instance: its job finishes there, then it is removed.
    const drained = await spotrunner('fleet', 'drain', busy, '--config', h.configFile);
    expect(drained.out).toContain(`draining ${busy}`);
    expect((await h.waitPipeline(pipelineId)).status).toBe('success');
    await h.waitFor('the drained instance removed', () =>
      h.double.controls.requests.some(
        (r) => r.action === 'TerminateInstanceInAutoScalingGroup' && r.params.InstanceId === busy,
      ),
    );
    await expect(spotrunner('fleet', 'drain', 'i-0nope', '--config', h.configFile)).rejects.toThrow(
      'no instance i-0nope',
    );
  });
});
