import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStatusServer } from '../../manager/status-server.js';
import type { Manager, ManagerStatus } from '../../manager/manager.js';
import { fleetInstance, managerStatus } from '../../manager/testing/manager-status.js';
import type { FleetInstanceView } from '../../fleet/fleet.js';
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { bundledPriceTable } from '../../plan/prices/price-table.js';
import type { CliContext } from '../cli-context.js';
import { registerFleetCommand, statusUrlFromListenAddress } from './fleet.js';
import { fleetRows, formatFleetTable, requestedLines } from '../fleet-table.js';
import { createProgram } from '../program.js';
import { captureCli } from '../testing/capture-cli.js';

const NOW = Date.UTC(2026, 10, 22, 12);

const instance = fleetInstance;

function status(instances: FleetInstanceView[]): ManagerStatus {
  return managerStatus(instances, {
    providerId: 'aws/us-east-1/runners+fallback:aws/us-east-1/od',
  });
}

const busy = instance({
  id: 'i-busy',
  instanceType: 'm7i.large',
  lifecycle: 'spot',
  launchedAtMs: NOW - 2 * 3_600_000,
  useCount: 3,
  slotsInUse: 1,
  jobIds: [42],
});
const idle = instance({
  id: 'i-idle',
  instanceType: 'm7i.large',
  lifecycle: 'on-demand',
  launchedAtMs: NOW - 3_600_000,
  idleSinceMs: NOW - 90_000,
  useCount: 1,
});

function cli(): { ctx: CliContext; out: () => string } {
  const { ctx, out } = captureCli();
  return { ctx, out };
}

describe('fleet ls rows', () => {
  it('derives age, idle time and cost so far from the bundled spot and on-demand prices', () => {
    const table = bundledPriceTable();
    const rows = fleetRows(status([busy, idle]), NOW, table);
    const od = table.regions['us-east-1']!['m7i.large']!;
    expect(rows[0]).toMatchObject({ runner: 'spot', id: 'i-busy', ageMs: 7_200_000, jobIds: [42] });
    expect(rows[0]!.idleMs).toBeUndefined();
    expect(rows[0]!.costSoFarUsd).toBeCloseTo(od.spotPerHourUsd * 2, 4);
    expect(rows[1]).toMatchObject({ id: 'i-idle', idleMs: 90_000, useCount: 1 });
    expect(rows[1]!.costSoFarUsd).toBeCloseTo(od.onDemandPerHourUsd, 4);
    const text = formatFleetTable(rows);
    expect(text).toMatch(/i-busy\s+ready\s+m7i\.large\s+spot\s+2h0m0s\s+-\s+3\s+42\s+\$/);
    expect(text).toMatch(/i-idle .* 1m30s/);
  });

  it('shows no price for instances outside the table (local instances)', () => {
    const rows = fleetRows(status([instance({ instanceType: 'local' })]), NOW, bundledPriceTable());
    expect(rows[0]!.costSoFarUsd).toBeUndefined();
  });

  it('says which runners still wait for instances they asked for, and since when', () => {
    const doc = status([busy]);
    expect(requestedLines(doc, NOW)).toEqual([]);
    const fleet = doc.runners[0]!.fleet!;
    const waiting = {
      ...doc,
      runners: [
        {
          ...doc.runners[0]!,
          fleet: { ...fleet, requested: { count: 2, sinceMs: NOW - 250_000 } },
        },
      ],
    };
    expect(requestedLines(waiting, NOW)).toEqual([
      'spot: 2 requested instance(s) not listed yet (oldest asked for 4m10s ago)',
    ]);
  });

  it('turns listen_address into the URL to call', () => {
    expect(statusUrlFromListenAddress(':9252')).toBe('http://127.0.0.1:9252');
    expect(statusUrlFromListenAddress('0.0.0.0:80')).toBe('http://127.0.0.1:80');
    expect(statusUrlFromListenAddress('[::1]:9252')).toBe('http://[::1]:9252');
  });
});

describe('fleet ls and drain against a status server', () => {
  it('lists instances as JSON and drains one; an unknown id is an error', async () => {
    const drained: string[] = [];
    const manager = {
      state: 'running',
      status: () => status([busy, idle]),
      drain: (id: string) => {
        drained.push(id);
        return id === 'i-idle';
      },
    } as unknown as Manager;
    const server = await startStatusServer(
      { logger: silentLogger, clock: new VirtualClock(NOW) },
      manager,
      '127.0.0.1:0',
    );
    try {
      const a = cli();
      await createProgram(a.ctx, [registerFleetCommand]).parseAsync([
        'node',
        'spotrunner',
        'fleet',
        'ls',
        '--manager',
        server.url,
        '--json',
      ]);
      const rows = JSON.parse(a.out()) as { id: string; ageMs: number }[];
      expect(rows.map((r) => [r.id, r.ageMs])).toEqual([
        ['i-busy', 7_200_000],
        ['i-idle', 3_600_000],
      ]);
      const b = cli();
      await createProgram(b.ctx, [registerFleetCommand]).parseAsync([
        'node',
        'spotrunner',
        'fleet',
        'drain',
        'i-idle',
        '--manager',
        server.url,
      ]);
      expect(b.out()).toContain('draining i-idle');
      await expect(
        createProgram(cli().ctx, [registerFleetCommand]).parseAsync([
          'node',
          'spotrunner',
          'fleet',
          'drain',
          'i-nope',
          '--manager',
          server.url,
        ]),
      ).rejects.toThrow('no instance i-nope');
      expect(drained).toEqual(['i-idle', 'i-nope']);
    } finally {
      await server.stop();
    }
  });

  it('says clearly when no manager answers', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(
      createProgram(cli().ctx, [registerFleetCommand]).parseAsync([
        'node',
        'spotrunner',
        'fleet',
        'ls',
        '--manager',
        `http://127.0.0.1:${port}`,
      ]),
    ).rejects.toThrow(/no spotrunner manager answers at http:\/\/127\.0\.0\.1:\d+/);
  });
});
