/**
 * The manager policy is generated from one table of actions: the table must list exactly the
 * actions the manager's code calls, and docs/aws.md §2 must print what the generator makes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED_SCOPE, MANAGER_ACTIONS, managerPolicy } from './manager-policy.js';

const AWS_DIR = fileURLToPath(new URL('../providers/aws/', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/aws.md', import.meta.url));

function calledActions(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(AWS_DIR)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(AWS_DIR + file, 'utf8');
    for (const m of text.matchAll(/callAws\(\s*'([a-z0-9-]+:[A-Za-z]+)'/g)) found.add(m[1]!);
  }
  return [...found].sort();
}

describe('the manager policy', () => {
  it('grants exactly the actions src/providers/aws calls', () => {
    expect(MANAGER_ACTIONS.map((a) => a.action).sort()).toEqual(calledActions());
  });

  it('is what docs/aws.md §2 shows', () => {
    const text = readFileSync(DOC, 'utf8');
    const block = /## 2\. IAM policy[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
    expect(JSON.parse(block!)).toEqual(managerPolicy(DOCUMENTED_SCOPE));
  });

  it('drops SendSSHPublicKey with static credentials and scopes everything to the given names', () => {
    const policy = managerPolicy({ ...DOCUMENTED_SCOPE, instanceConnect: false, groups: ['a'] });
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).not.toContain('ec2-instance-connect:SendSSHPublicKey');
    const drive = policy.Statement.find((s) => s.Sid === 'DriveTheGroups')!;
    expect(drive.Resource).toEqual([
      'arn:aws:autoscaling:<region>:<account>:autoScalingGroup:*:autoScalingGroupName/a',
    ]);
  });
});
