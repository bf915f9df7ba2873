import { describe, expect, it } from 'vitest';
import { jobPayloadSchema } from '../../gitlab/job-payload.js';
import { VariableSet } from '../script/job-variables.js';
import { makeJob } from '../testing/job-fixture.js';
import { serviceSpecs } from './services.js';

describe('service specs', () => {
  it('gives services public job variables and their own, never masked or private ones', () => {
    const base = makeJob({
      variables: [
        { key: 'DB_NAME', value: 'app' },
        { key: 'DB_PASSWORD', value: 'hunter2', masked: true },
        { key: 'PROJECT_SETTING', value: 'private' },
      ],
    });
    const job = jobPayloadSchema.parse({
      ...base,
      variables: base.variables.map((v) => (v.key === 'DB_NAME' ? { ...v, public: true } : v)),
      services: [
        {
          name: 'registry.example.com/ci/postgres:16',
          alias: 'db, pg',
          variables: [{ key: 'POSTGRES_DB', value: '$DB_NAME-test' }],
        },
      ],
    });
    const vars = new VariableSet(
      job.variables.map((v) => ({
        key: v.key,
        value: v.value,
        file: v.file,
        raw: v.raw,
        masked: v.masked,
      })),
    );
    const [spec] = serviceSpecs(job, vars);
    expect(spec!.aliases).toEqual(['db', 'pg', 'ci__postgres', 'ci-postgres']);
    expect(spec!.env).toContain('DB_NAME=app');
    expect(spec!.env).toContain('POSTGRES_DB=app-test');
    expect(spec!.env).toContain('CI_JOB_ID=4242');
    expect(spec!.env.join('\n')).not.toMatch(/hunter2|PROJECT_SETTING|CI_JOB_TOKEN/);
  });
});
