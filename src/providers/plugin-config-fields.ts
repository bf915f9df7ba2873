/** Zod fields that several providers' `plugin_config` schemas share. */
import { z } from 'zod';
import { parseDurationMs } from '../platform/durations.js';
import { describeError } from '../platform/errors.js';

/** A gitlab-runner duration ("30s", "1m30s") or a number of milliseconds; never negative. */
export const durationField = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    const ms = parseDurationMs(value);
    if (ms < 0) throw new Error('must not be negative');
    return ms;
  } catch (err: unknown) {
    ctx.addIssue({ code: 'custom', message: describeError(err) });
    return z.NEVER;
  }
});
