/**
 * GitLab's CI/CD variable expressions, as `rules:if` and `workflow:rules:if` use them:
 * `$VAR` (true when set and not empty; `${VAR}` is a syntax error, as in GitLab), string literals in single or double quotes,
 * `null`, `/regex/flags`, the comparisons `==` `!=` `=~` `!~`, `&&` (binding tighter) and `||`,
 * and parentheses. A variable on the right of `=~` holding `/…/` is used as a pattern. Patterns
 * are JavaScript regular expressions here (GitLab uses RE2; the common syntax is the same).
 */

export class CiExpressionError extends Error {}

type Token =
  | { kind: 'var'; name: string }
  | { kind: 'str'; value: string }
  | { kind: 'regex'; source: string; flags: string }
  | { kind: 'null' }
  | { kind: 'op'; op: '==' | '!=' | '=~' | '!~' | '&&' | '||' }
  | { kind: 'paren'; open: boolean };

type Value = { kind: 'str'; value: string } | { kind: 'null' } | { kind: 'regex'; re: RegExp };

type Node =
  | { kind: 'operand'; token: Token }
  | { kind: 'cmp'; op: '==' | '!=' | '=~' | '!~'; left: Token; right: Token }
  | { kind: 'logic'; op: '&&' | '||'; left: Node; right: Node };

const OPERATORS = ['==', '!=', '=~', '!~', '&&', '||'] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new CiExpressionError(`${what} at column ${i + 1} of "${text}"`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', open: c === '(' });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', op });
      i += 2;
      continue;
    }
    if (c === '$') {
      // GitLab's lexer knows only `$NAME` (`\$\w+`): `${NAME}` is a syntax error there.
      const m = /^\$(\w+)/.exec(text.slice(i));
      if (!m) fail('a variable name was expected (write $NAME, not ${NAME})');
      tokens.push({ kind: 'var', name: m![1]! });
      i += m![0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end === -1) fail('unterminated string');
      tokens.push({ kind: 'str', value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '/') {
      let j = i + 1;
      while (j < text.length && text[j] !== '/') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) fail('unterminated regular expression');
      const flags = /^[a-z]*/.exec(text.slice(j + 1))![0];
      tokens.push({ kind: 'regex', source: text.slice(i + 1, j), flags });
      i = j + 1 + flags.length;
      continue;
    }
    if (text.startsWith('null', i) && !/[A-Za-z0-9_]/.test(text[i + 4] ?? '')) {
      tokens.push({ kind: 'null' });
      i += 4;
      continue;
    }
    fail(`unexpected "${c}"`);
  }
  return tokens;
}

function parse(tokens: Token[], text: string): Node {
  let pos = 0;
  const fail = (what: string): never => {
    throw new CiExpressionError(`${what} in "${text}"`);
  };
  const peekOp = (): string | undefined => {
    const t = tokens[pos];
    return t?.kind === 'op' ? t.op : undefined;
  };
  const primary = (): Node => {
    const t = tokens[pos++];
    if (!t) return fail('an operand was expected at the end');
    if (t.kind === 'paren' && t.open) {
      const inner = or();
      const close = tokens[pos++];
      if (close?.kind !== 'paren' || close.open) fail('a closing parenthesis is missing');
      return inner;
    }
    if (t.kind === 'paren' || t.kind === 'op') return fail('an operand was expected');
    const op = peekOp();
    if (op === '==' || op === '!=' || op === '=~' || op === '!~') {
      pos++;
      const right = tokens[pos++];
      if (!right || right.kind === 'op' || right.kind === 'paren') {
        return fail(`an operand was expected after ${op}`);
      }
      return { kind: 'cmp', op, left: t, right };
    }
    return { kind: 'operand', token: t };
  };
  const and = (): Node => {
    let node = primary();
    while (peekOp() === '&&') {
      pos++;
      node = { kind: 'logic', op: '&&', left: node, right: primary() };
    }
    return node;
  };
  const or = (): Node => {
    let node = and();
    while (peekOp() === '||') {
      pos++;
      node = { kind: 'logic', op: '||', left: node, right: and() };
    }
    return node;
  };
  if (tokens.length === 0) fail('an expression was expected');
  const root = or();
  if (pos < tokens.length) fail('unexpected text after the expression');
  return root;
}

function regexOf(source: string, flags: string, text: string): RegExp {
  try {
    return new RegExp(source, flags.replace(/[^imsu]/g, ''));
  } catch (err: unknown) {
    throw new CiExpressionError(
      `invalid regular expression /${source}/ in "${text}": ${(err as Error).message}`,
    );
  }
}

/**
 * A `/pattern/flags` string as a RegExp (a pattern held in a variable, an `only:` ref);
 * undefined when the text is not one. Throws CiExpressionError for an invalid pattern.
 */
export function patternOf(text: string, where = text): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return m ? regexOf(m[1]!, m[2]!, where) : undefined;
}

export type LookupVariable = (name: string) => string | undefined;

function valueOf(t: Token, lookup: LookupVariable, text: string): Value {
  switch (t.kind) {
    case 'var': {
      const v = lookup(t.name);
      return v === undefined ? { kind: 'null' } : { kind: 'str', value: v };
    }
    case 'str':
      return { kind: 'str', value: t.value };
    case 'regex':
      return { kind: 'regex', re: regexOf(t.source, t.flags, text) };
    default:
      return { kind: 'null' };
  }
}

function compare(node: Extract<Node, { kind: 'cmp' }>, lookup: LookupVariable, text: string) {
  const left = valueOf(node.left, lookup, text);
  let right = valueOf(node.right, lookup, text);
  if (node.op === '==' || node.op === '!=') {
    const same =
      left.kind === 'null' || right.kind === 'null'
        ? left.kind === right.kind
        : left.kind === 'str' && right.kind === 'str' && left.value === right.value;
    return node.op === '==' ? same : !same;
  }
  if (right.kind === 'str') {
    // A variable holding "/pattern/flags" on the right of =~ is a pattern.
    const re = patternOf(right.value, text);
    if (!re)
      throw new CiExpressionError(`the right side of ${node.op} is not a pattern: "${text}"`);
    right = { kind: 'regex', re };
  }
  if (right.kind !== 'regex') {
    throw new CiExpressionError(`the right side of ${node.op} must be a /pattern/: "${text}"`);
  }
  const matched = left.kind === 'str' && right.re.test(left.value);
  return node.op === '=~' ? matched : !matched;
}

function evaluate(node: Node, lookup: LookupVariable, text: string): boolean {
  switch (node.kind) {
    case 'logic':
      return node.op === '&&'
        ? evaluate(node.left, lookup, text) && evaluate(node.right, lookup, text)
        : evaluate(node.left, lookup, text) || evaluate(node.right, lookup, text);
    case 'cmp':
      return compare(node, lookup, text);
    default: {
      const v = valueOf(node.token, lookup, text);
      return v.kind === 'regex' || (v.kind === 'str' && v.value !== '');
    }
  }
}

/** Checks an expression's syntax; throws CiExpressionError with what is wrong. */
export function checkCiExpression(text: string): void {
  const tokens = tokenize(text);
  for (const t of tokens) if (t.kind === 'regex') regexOf(t.source, t.flags, text);
  parse(tokens, text);
}

/** Evaluates an expression against the variables `lookup` gives (undefined = not set). */
export function evaluateCiExpression(text: string, lookup: LookupVariable): boolean {
  return evaluate(parse(tokenize(text), text), lookup, text);
}
