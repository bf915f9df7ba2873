/**
 * The IAM policy users copy from docs/aws.md: valid JSON, and the tag that gates which instances
 * a manager may reach and end (`spotrunner:manager`) can only be written by that manager, with
 * its own id, on its own groups.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MANAGER_TAG, RUNNER_TAG } from './group-tags.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const DOC = fileURLToPath(new URL('../../../docs/aws.md', import.meta.url));

function documentedPolicy(): Statement[] {
  const text = readFileSync(DOC, 'utf8');
  const block = /## 2\. IAM policy[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
  if (!block) throw new Error('docs/aws.md has no IAM policy block');
  return (JSON.parse(block) as { Statement: Statement[] }).Statement;
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const granting = (action: string): Statement[] =>
  documentedPolicy().filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action));

describe('the IAM policy in docs/aws.md', () => {
  it('lets a manager tag only its own named groups', () => {
    const [tagging, ...more] = granting('autoscaling:CreateOrUpdateTags');
    expect(more).toEqual([]);
    const groups = list(tagging!.Resource).map(
      (arn) => /autoScalingGroupName\/(.*)$/.exec(arn)?.[1],
    );
    expect(groups.length).toBeGreaterThan(0);
    for (const name of groups) expect(name).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('lets it write only the spotrunner tags, with its own id, on groups not owned by another', () => {
    const [tagging] = granting('autoscaling:CreateOrUpdateTags');
    const c = tagging!.Condition ?? {};
    expect(list(c['ForAllValues:StringEquals']?.['aws:TagKeys'] ?? []).sort()).toEqual(
      [MANAGER_TAG, RUNNER_TAG].sort(),
    );
    const own = c.StringEqualsIfExists ?? c.StringEquals ?? {};
    expect(own[`aws:RequestTag/${MANAGER_TAG}`]).toBe('<system id>');
    expect(own[`autoscaling:ResourceTag/${MANAGER_TAG}`]).toBe('<system id>');
  });

  it('gates reaching and ending instances on that tag', () => {
    for (const action of ['ec2-instance-connect:SendSSHPublicKey', 'ec2:TerminateInstances']) {
      const [statement] = granting(action);
      expect(statement?.Condition?.StringEquals?.[`ec2:ResourceTag/${MANAGER_TAG}`]).toBe(
        '<system id>',
      );
    }
  });
});
