/**
 * A stand-in backing for the AWS double that only tracks ids: instances are "running" at once,
 * each with its own 127.0.0.x address, and pushed keys are remembered (not installed anywhere).
 */
import type { AwsDoubleBacking } from './double-model.js';

export interface IdBacking extends AwsDoubleBacking {
  /** Live backing ids. */
  ids(): string[];
  /** Keys accepted per backing id. */
  readonly authorized: Map<string, { username: string; publicKey: string; ttlMs: number }[]>;
}

export function createIdBacking(): IdBacking {
  const live = new Map<string, string>();
  const authorized = new Map<string, { username: string; publicKey: string; ttlMs: number }[]>();
  let next = 0;
  return {
    async increase(n) {
      for (let k = 0; k < n; k++) {
        next++;
        live.set(`local-${next}`, `127.0.0.${10 + (next % 240)}`);
      }
      return n;
    },
    async decrease(ids) {
      const done = ids.filter((id) => live.delete(id));
      return done;
    },
    async update() {
      return [...live.keys()].map((id) => ({ id, state: 'running' as const }));
    },
    async connectInfo(id) {
      const addr = live.get(id);
      if (!addr) throw new Error(`no backing instance ${id}`);
      return { internalAddr: addr, port: 22 };
    },
    async authorizeKey(id, username, publicKey, ttlMs) {
      const list = authorized.get(id) ?? [];
      list.push({ username, publicKey, ttlMs });
      authorized.set(id, list);
    },
    ids: () => [...live.keys()],
    authorized,
  };
}
