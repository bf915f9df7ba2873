/** Zod fields that several providers' `plugin_config` schemas share. */
import { z } from 'zod';
import { parseDurationMs } from '../../platform/durations.js';
import { describeError } from '../../platform/errors.js';
import { MAX_DURATION_MS, MAX_DURATION_TEXT } from '../defaults.js';

/**
 * A gitlab-runner duration ("30s", "1m30s") or a number of milliseconds; never negative, never
 * above MAX_DURATION_MS.
 */
export const durationField = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    const ms = parseDurationMs(value);
    if (ms < 0) throw new Error('must not be negative');
    if (ms > MAX_DURATION_MS) throw new Error(`must be at most ${MAX_DURATION_TEXT}`);
    return ms;
  } catch (err: unknown) {
    ctx.addIssue({ code: 'custom', message: describeError(err) });
    return z.NEVER;
  }
});

/** A non-empty string (surrounding blanks trimmed). */
export const text = (): z.ZodString => z.string().trim().min(1, 'must not be empty');

/** An http:// or https:// URL. */
export const httpUrl = (what = 'an http(s) URL'): z.ZodURL =>
  z.url({ protocol: /^https?$/, error: `must be ${what}` });
