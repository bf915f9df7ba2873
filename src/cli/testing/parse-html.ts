/**
 * A small HTML reader for tests of the self-contained report pages: elements nested as written
 * (it throws on a closing tag that does not match), attributes, and text with entities decoded.
 */
export interface HtmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: Array<HtmlNode | string>;
}

const VOID = new Set(['meta', 'br', 'hr', 'img', 'link', 'input']);

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function attrsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) out[m[1]!] = decode(m[2] ?? '');
  return out;
}

export function parseHtml(html: string): HtmlNode {
  const root: HtmlNode = { tag: '#root', attrs: {}, children: [] };
  const stack = [root];
  const body = html.replace(/^<!doctype html>/i, '');
  let at = 0;
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const top = stack[stack.length - 1]!;
    const text = body.slice(at, m.index);
    if (text.trim() !== '') top.children.push(decode(text));
    at = m.index + m[0].length;
    const [, closing, tag, attrs, selfClosing] = m as unknown as string[];
    const name = tag!.toLowerCase();
    if (closing) {
      if (top.tag !== name) throw new Error(`</${name}> closes <${top.tag}> at ${m.index}`);
      stack.pop();
      continue;
    }
    const node: HtmlNode = { tag: name, attrs: attrsOf(attrs ?? ''), children: [] };
    top.children.push(node);
    if (!selfClosing && !VOID.has(name)) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`);
  return root;
}

/** Every element (depth first) that passes the test. */
export function findAll(node: HtmlNode, test: (n: HtmlNode) => boolean): HtmlNode[] {
  const out: HtmlNode[] = [];
  for (const c of node.children) {
    if (typeof c === 'string') continue;
    if (test(c)) out.push(c);
    out.push(...findAll(c, test));
  }
  return out;
}

export function textOf(node: HtmlNode | string): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

/** The rows of the first table after the heading with this text, as cell texts. */
export function tableAfter(root: HtmlNode, heading: string): string[][] {
  const flat = findAll(root, () => true);
  const h = flat.findIndex((n) => /^h[1-6]$/.test(n.tag) && textOf(n) === heading);
  if (h < 0) throw new Error(`no heading "${heading}"`);
  const table = flat.slice(h).find((n) => n.tag === 'table');
  if (!table) throw new Error(`no table after "${heading}"`);
  return findAll(table, (n) => n.tag === 'tr').map((tr) =>
    tr.children.filter((c): c is HtmlNode => typeof c !== 'string').map(textOf),
  );
}
