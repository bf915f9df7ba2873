/** `plugin_config` for `plugin = "sim"`, the simulated cloud of `spotrunner plan`. */
import { z } from 'zod';
import type { CompiledSimPlugin } from '../provider-types.js';
import { text } from './fields.js';

export const simPluginConfigSchema = z
  .strictObject({
    /** Region whose spot prices the plan uses (as `plugin_config.region` of an aws runner). */
    region: text().optional(),
  })
  .transform((c): CompiledSimPlugin => ({ region: c.region }));
