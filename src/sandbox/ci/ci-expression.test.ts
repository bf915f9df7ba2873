import { describe, expect, it } from 'vitest';
import { checkCiExpression, CiExpressionError, evaluateCiExpression } from './ci-expression.js';

const vars: Record<string, string> = {
  CI_COMMIT_BRANCH: 'main',
  CI_PIPELINE_SOURCE: 'push',
  CI_COMMIT_TAG_LIKE: 'v1.2.3',
  EMPTY: '',
  PATTERN: '/^ma/',
  DEPLOY: 'true',
};
const ev = (text: string): boolean => evaluateCiExpression(text, (name) => vars[name]);

describe('CI expressions', () => {
  it('compares variables with strings, null and other variables', () => {
    expect(ev('$CI_COMMIT_BRANCH == "main"')).toBe(true);
    expect(ev("$CI_COMMIT_BRANCH == 'develop'")).toBe(false);
    expect(ev('"main" == $CI_COMMIT_BRANCH')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH != "main"')).toBe(false);
    expect(ev('$UNSET == null')).toBe(true);
    expect(ev('$EMPTY == null')).toBe(false);
    expect(ev('$UNSET == ""')).toBe(false);
    expect(ev('$EMPTY == ""')).toBe(true);
    expect(ev('$UNSET != null')).toBe(false);
    expect(ev('$CI_COMMIT_BRANCH == $CI_COMMIT_BRANCH')).toBe(true);
  });

  it('treats a bare variable as set and not empty', () => {
    expect(ev('$DEPLOY')).toBe(true);
    expect(ev('$EMPTY')).toBe(false);
    expect(ev('$UNSET')).toBe(false);
  });

  it('matches patterns, with flags, and from a variable', () => {
    expect(ev('$CI_COMMIT_TAG_LIKE =~ /^v\\d+\\.\\d+\\.\\d+$/')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH =~ /^MAIN$/i')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH !~ /^release-/')).toBe(true);
    expect(ev('$UNSET =~ /.*/')).toBe(false);
    expect(ev('$UNSET !~ /x/')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH =~ $PATTERN')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH =~ /a\\/b|ma/')).toBe(true);
  });

  it('gives && precedence over || and honours parentheses', () => {
    expect(ev('$CI_COMMIT_BRANCH == "x" && $DEPLOY || $CI_PIPELINE_SOURCE == "push"')).toBe(true);
    expect(ev('$CI_COMMIT_BRANCH == "x" && ($DEPLOY || $CI_PIPELINE_SOURCE == "push")')).toBe(
      false,
    );
    expect(ev('$CI_PIPELINE_SOURCE == "push" || $UNSET && $EMPTY')).toBe(true);
    expect(ev('($CI_PIPELINE_SOURCE == "web" || $DEPLOY) && $CI_COMMIT_BRANCH == "main"')).toBe(
      true,
    );
  });

  it('rejects malformed expressions with what is wrong', () => {
    for (const bad of [
      '$A ==',
      '$A == "x',
      '($A == "x"',
      '$A = "x"',
      '$A == "x" $B',
      '$A =~ /x',
      '',
      '$A =~ /(/',
      // GitLab's lexer has no `${NAME}` form in expressions.
      '${A} == "x"',
    ]) {
      expect(() => checkCiExpression(bad), bad).toThrow(CiExpressionError);
    }
    expect(() => ev('$CI_COMMIT_BRANCH =~ "main"')).toThrow(/not a pattern/);
  });
});
