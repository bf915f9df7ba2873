/**
 * What every write to the job log goes through before it is stored: UTF-8 sanitising, masking
 * of masked values, token-prefix and URL-parameter masking, then the buffer (output limit,
 * CRC-32, size). Held-back text (a possible secret split across writes) stays in the pipeline
 * until the next write decides or `flush` releases it at the end of the job.
 */
import { createPhraseMasker } from './phrase-masker.js';
import { chainFilters } from './stream-filter.js';
import { DEFAULT_TOKEN_PREFIXES, createTokenMasker } from './token-masker.js';
import type { TraceBuffer } from './trace-buffer.js';
import { createUtf8Sanitizer } from './utf8-sanitizer.js';

export interface TracePipelineOptions {
  maskedValues: readonly string[];
  /** Added to DEFAULT_TOKEN_PREFIXES (job `features.token_mask_prefixes`). */
  tokenPrefixes: readonly string[];
}

export interface TracePipeline {
  write(chunk: string | Uint8Array): void;
  /** Releases held-back text; call once, at the end. */
  flush(): void;
}

export function createTracePipeline(
  buffer: TraceBuffer,
  options: TracePipelineOptions,
): TracePipeline {
  const utf8 = createUtf8Sanitizer();
  const filter = chainFilters([
    createPhraseMasker(options.maskedValues),
    createTokenMasker([...DEFAULT_TOKEN_PREFIXES, ...options.tokenPrefixes]),
  ]);
  const store = (text: string): void => {
    if (text.length > 0) buffer.append(Buffer.from(text, 'utf8'));
  };
  return {
    write(chunk: string | Uint8Array): void {
      if (buffer.limitReached) return;
      store(filter.write(utf8.write(chunk)));
    },
    flush(): void {
      store(filter.write(utf8.end()) + filter.end());
    },
  };
}
