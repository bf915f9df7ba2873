import { describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

const EXPECTED = [
  ...Array.from({ length: 10 }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat(),
  'last on stdout',
];

describe('the job log', () => {
  for (const executor of ['instance', 'shell'] as const) {
    it(`keeps stdout and stderr lines in the order the script wrote them (${executor})`, async () => {
      const h = await e2e.start({ config: { executor } });
      const project = await h.createProject('output-order');
      const pipeline = await h.runPipeline(project.id);

      expect(pipeline.status).toBe('success');
      const lines = h
        .trace(pipeline.jobs[0]!.id)
        .split('\n')
        .filter((l) => /^(out|err) \d+$|^last on stdout$/.test(l));
      expect(lines).toEqual(EXPECTED);
    });
  }
});
