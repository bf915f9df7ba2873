import { describe, expect, it } from 'vitest';
import { bakeSteps } from './bake-steps.js';
import { hclString, renderPackerTemplate } from './packer-template.js';

interface Token {
  kind: 'string' | 'open' | 'close' | 'word';
  text: string;
}

/** HCL's lexical structure as far as well-formedness goes: strings, brackets, words, comments. */
function tokenize(hcl: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < hcl.length) {
    const c = hcl[i]!;
    if (c === '#') {
      i = hcl.indexOf('\n', i) === -1 ? hcl.length : hcl.indexOf('\n', i);
    } else if (c === '"') {
      let j = i + 1;
      let depth = 0; // `${ … }` interpolations may hold quoted strings
      while (j < hcl.length && (hcl[j] !== '"' || depth > 0)) {
        if (hcl[j] === '\\') j++;
        else if (hcl.startsWith('$${', j)) j += 2;
        else if (hcl.startsWith('${', j)) depth++;
        else if (hcl[j] === '}' && depth > 0) depth--;
        else if (hcl[j] === '\n') throw new Error(`newline inside a string at ${i}`);
        j++;
      }
      if (j >= hcl.length) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: hcl.slice(i, j + 1) });
      i = j + 1;
    } else if ('{['.includes(c)) {
      tokens.push({ kind: 'open', text: c });
      i++;
    } else if ('}]'.includes(c)) {
      tokens.push({ kind: 'close', text: c });
      i++;
    } else if (/\s|=|,/.test(c)) i++;
    else {
      const m = /^[A-Za-z0-9_.\-<>]+/.exec(hcl.slice(i));
      if (!m) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

function checkBalanced(tokens: Token[]): void {
  const stack: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'open') stack.push(t.text);
    if (t.kind === 'close') {
      const open = stack.pop();
      expect(open === '{' ? '}' : ']').toBe(t.text);
    }
  }
  expect(stack).toEqual([]);
}

/** The value of an HCL string literal without interpolations. */
function literal(token: string): string {
  return JSON.parse(token.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')) as string;
}

const IMAGES = ['debian:12', 'registry.example.com/group/linter:3', 'node:${odd}'];

describe('renderPackerTemplate', () => {
  const hcl = renderPackerTemplate({
    region: 'eu-west-1',
    baseImageId: 'ami-0123456789abcdef0',
    instanceType: 't3.medium',
    sshUsername: 'admin',
    amiNamePrefix: 'spotrunner-workers',
    images: IMAGES,
    helperImage: 'spotrunner-helper:latest',
    subnetId: 'subnet-1',
    securityGroupIds: ['sg-1', 'sg-2'],
    launchTemplate: 'spotrunner-workers',
    tags: { team: 'ci "x"' },
  });

  it('is well-formed HCL: strings closed, brackets balanced, the expected blocks', () => {
    const tokens = tokenize(hcl);
    checkBalanced(tokens);
    const words = tokens.filter((t) => t.kind === 'word').map((t) => t.text);
    expect(words.filter((w) => w === 'provisioner')).toHaveLength(IMAGES.length + 2);
    expect(hcl).toContain('source "amazon-ebs" "spotrunner_workers" {');
    expect(hcl).toContain('sources = ["source.amazon-ebs.spotrunner_workers"]');
    expect(hcl).toContain('post-processor "manifest" {');
    expect(hcl).toMatch(/source_ami\s+= "ami-0123456789abcdef0"/);
    expect(hcl).toMatch(/ssh_username\s+= "admin"/);
    expect(hcl).toContain('security_group_ids = [');
  });

  it('runs exactly the SSH bake steps, in order, with text kept literal', () => {
    const strings = tokenize(hcl)
      .filter((t) => t.kind === 'string')
      .map((t) => t.text);
    const commands = bakeSteps(IMAGES, 'spotrunner-helper:latest').map((s) => s.command);
    const literals = strings.filter((s) => !/(^|[^$])\$\{/.test(s)).map(literal);
    let at = 0;
    for (const command of commands) {
      at = literals.indexOf(command, at);
      expect(at, command).toBeGreaterThanOrEqual(0);
    }
    expect(literals).toContain('ci "x"');
    expect(literals.join('\n')).toContain("image inspect 'node:${odd}'");
    // The only interpolation is the AMI name's timestamp.
    expect(strings.filter((s) => /(^|[^$])\$\{/.test(s))).toEqual([
      '"${var.ami_name_prefix}-${formatdate("YYYYMMDD-hhmmss", timestamp())}"',
    ]);
  });

  it('escapes HCL template sequences in strings', () => {
    expect(hclString('a ${b} %{c} "d"')).toBe('"a $${b} %%{c} \\"d\\""');
  });
});
