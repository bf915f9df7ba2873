/**
 * Per-test harness lifecycle for the end-to-end tests: `const e2e = useE2e()` at the top of a
 * file, `const h = await e2e.start(options)` in a test. After each test the harness is closed
 * and must leave nothing behind; when the test failed, its diagnostics go to stderr first.
 */
import { afterEach, expect } from 'vitest';
import { NO_LEFTOVERS, startE2e, type E2eHarness, type E2eOptions } from './harness.js';

export interface E2eLifecycle {
  start(options?: E2eOptions): Promise<E2eHarness>;
}

export function useE2e(): E2eLifecycle {
  let current: E2eHarness | undefined;
  afterEach(async (context) => {
    const h = current;
    current = undefined;
    if (!h) return;
    if (context.task.result?.state === 'fail') {
      process.stderr.write(`\n--- e2e diagnostics: ${context.task.name}\n${h.diagnostics()}\n`);
    }
    const leftovers = await h.close();
    expect(leftovers).toEqual(NO_LEFTOVERS);
  });
  return {
    async start(options?: E2eOptions): Promise<E2eHarness> {
      current = await startE2e(options);
      return current;
    },
  };
}
