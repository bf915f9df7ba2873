import { afterEach, describe, expect, it } from 'vitest';
import { formatPipeline } from './format-pipeline.js';
import { createSandboxClient } from './sandbox-client.js';
import { runNextJob, startHarness, type Harness } from './testing/sandbox-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('sandbox client and pipeline text', () => {
  it('drives a running sandbox over /sandbox/api and prints the pipeline', async () => {
    h = await startHarness({
      ci: 'lint:\n  allow_failure: true\n  script: x\nbuild:\n  script: y\n',
      pipeline: false,
    });
    const client = createSandboxClient(`${h.url}/`);
    const [project] = await client.projects();
    const created = await client.createPipeline(project!.id, { ref: 'main' });
    await runNextJob(h, 'failed');
    await runNextJob(h, 'success');
    const pipeline = await client.pipeline(created.id);
    expect(pipeline.status).toBe('success');
    const text = formatPipeline(pipeline);
    expect(text).toContain(`pipeline #${created.id} on main`);
    expect(text).toContain('passed with warnings');
    expect(text).toMatch(/lint\s+failed \(script_failure, allowed to fail\)/);
    await expect(client.job(424242)).rejects.toMatchObject({ code: 'not_found' });
    expect(await client.trace(pipeline.jobs[0]!.id, { plain: true })).toBe('');
  });
});
