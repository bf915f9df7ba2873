/**
 * Static checks of a `rules:` list, as GitLab makes them when it reads the configuration (for
 * every rule, whether or not an earlier one matches): a list of hashes, not empty, known keys,
 * a known `when`, and `if` expressions that parse. Nested lists (from `!reference`) are
 * flattened first, as GitLab does.
 */
import { CiExpressionError, checkCiExpression } from './ci-expression.js';
import type { CiIssues } from './ci-parts.js';
import { isMap, scalarText } from './ci-values.js';

const RULE_KEYS = new Set([
  'if',
  'changes',
  'exists',
  'when',
  'allow_failure',
  'variables',
  'needs',
  'start_in',
  'interruptible',
  'auto_cancel',
]);

const JOB_WHEN = ['on_success', 'on_failure', 'always', 'never', 'manual', 'delayed'];
const WORKFLOW_WHEN = ['always', 'never'];

/**
 * The flattened rules, or undefined after reporting why `value` is not a valid rules list.
 * `where` is the owner: `jobs:build`, `workflow`.
 */
export function checkRules(
  value: unknown,
  where: string,
  issues: CiIssues,
): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value)) {
    issues.errors.push(`${where}:rules config should be an array of hashes`);
    return undefined;
  }
  if (value.length === 0) {
    issues.errors.push(`${where}:rules config can't be blank`);
    return undefined;
  }
  const allowedWhen = where === 'workflow' ? WORKFLOW_WHEN : JOB_WHEN;
  const rules = (value as unknown[]).flat(Infinity);
  const before = issues.errors.length;
  const at = `${where}:rules:rule`;
  rules.forEach((rule, index) => {
    if (!isMap(rule)) {
      issues.errors.push(`${at} config should be a hash`);
      return;
    }
    const unknown = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
    if (unknown.length > 0)
      issues.errors.push(`${at} config contains unknown keys: ${unknown.join(', ')}`);
    if (
      rule.when !== undefined &&
      rule.when !== null &&
      !allowedWhen.includes(scalarText(rule.when))
    )
      issues.errors.push(`${at} when unknown value: ${scalarText(rule.when)}`);
    if (rule.if === undefined || rule.if === null) return;
    try {
      if (typeof rule.if !== 'string') throw new CiExpressionError('not a string');
      checkCiExpression(rule.if);
    } catch (err: unknown) {
      if (!(err instanceof CiExpressionError)) throw err;
      issues.errors.push(`${at} if invalid expression syntax (rule ${index + 1}: ${err.message})`);
    }
  });
  return issues.errors.length === before ? (rules as Record<string, unknown>[]) : undefined;
}
