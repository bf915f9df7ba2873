import { describe, expect, it } from 'vitest';
import { expandVariables } from './variable-expansion.js';

const vars: Record<string, string> = { NAME: 'world', EMPTY: '', A_1: 'a1', '-': 'never' };
const expand = (text: string): string => expandVariables(text, (name) => vars[name] ?? '');

describe('expandVariables (gitlab-runner: os.Expand with Variables.Get)', () => {
  it.each([
    ['hello $NAME', 'hello world'],
    ['hello ${NAME}!', 'hello world!'],
    ['$A_1$NAME', 'a1world'],
    ['unknown: [$UNSET] [${UNSET}]', 'unknown: [] []'],
    ['$$', '$'],
    ['costs $$5', 'costs $5'],
    ['$${NAME} and $$NAME', '${NAME} and $NAME'],
    ['${$}', '$'],
    ['$1$*$#$@$!$?$0x', 'x'],
    ['trailing $', 'trailing $'],
    ['not a name: $/ $. $%', 'not a name: $/ $. $%'],
    ['empty braces ${} gone', 'empty braces  gone'],
    ['unclosed ${NAME', 'unclosed NAME'],
    ['${NAME WITH SPACE}', ''],
  ])('%s → %s', (text, expected) => {
    expect(expand(text)).toBe(expected);
  });

  it('takes values as they are, without expanding them again', () => {
    expect(expandVariables('$X', (n) => (n === 'X' ? '$NAME' : 'world'))).toBe('$NAME');
  });
});
