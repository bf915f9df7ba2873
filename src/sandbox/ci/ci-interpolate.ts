/**
 * `$[[ inputs.name | function … ]]` interpolation of a configuration file with a `spec:` header,
 * as GitLab's interpolator does it: inputs given to a file without a header are refused; the
 * header and the inputs are checked (ci-inputs.ts); then every string key and value is
 * interpolated, a string that is one whole block taking the input's own type (number, boolean,
 * array). Functions: `expand_vars`, `truncate(offset,length)`, `posix_escape`, at most three.
 * GitLab shows the first three errors joined by ", ".
 */
import { coerceTextInputs, readHeader, resolveInputs } from './ci-inputs.js';
import { CiReference } from './ci-reference.js';
import { expandExisting, lookupIn, type RuleContext } from './ci-rules.js';
import { isMap, type YamlMap } from './ci-values.js';
import type { CiYamlDocuments } from './ci-yaml.js';

export interface InterpolateOptions {
  /** `include:inputs`, or the pipeline's inputs. */
  args: Readonly<Record<string, unknown>>;
  /** The arguments are text (`sandbox --input`): read them as the declared types. */
  textArgs?: boolean;
  /** Variables for `expand_vars`. */
  lookup: (name: string) => string | undefined;
  /** Masked variables, which `expand_vars` refuses to expand. */
  isMasked?: (name: string) => boolean;
}

export type InterpolateResult = { content: YamlMap; errors?: never } | { errors: string[] };

const BLOCK = /\$\[\[\s*(\S.*?\S)\s*\]\]/g;
const MAX_FUNCTIONS = 3;
const MAX_ACCESS_BYTES = 1024;

class BlockError extends Error {}

/** `Shellwords.shellescape`. */
function posixEscape(text: string): string {
  if (text === '') return "''";
  return text.replace(/[^A-Za-z0-9_\-.,:+/@\n]/g, '\\$&').replace(/\n/g, "'\n'");
}

function applyFunction(fn: string, value: unknown, options: InterpolateOptions): unknown {
  const fail = (name: string, message: string): never => {
    throw new BlockError(`error in \`${name}\` function: ${message}`);
  };
  const truncate = /^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)?$/.exec(fn);
  const name = truncate ? 'truncate' : fn;
  if (!truncate && fn !== 'expand_vars' && fn !== 'posix_escape')
    throw new BlockError(
      `no function matching \`${fn}\`: check that the function name, arguments, and types are correct`,
    );
  if (typeof value !== 'string')
    fail(name, `invalid input type: ${name} can only be used with string inputs`);
  const text = value as string;
  if (truncate) {
    const offset = Number(truncate[1]);
    return text.slice(offset, offset + Number(truncate[2]));
  }
  if (fn === 'posix_escape') return posixEscape(text);
  const masked = [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)].find(
    (m) => options.isMasked?.(m[1]!) === true,
  );
  if (masked) fail(name, 'variable expansion error: masked variables cannot be expanded');
  return expandExisting(text, options.lookup);
}

function evaluateBlock(data: string, ctx: YamlMap, options: InterpolateOptions): unknown {
  const [access = '', ...functions] = data.split('|').map((p) => p.trim());
  const objects = access.split('.');
  if (objects.length <= 1) throw new BlockError('invalid interpolation access pattern');
  if (Buffer.byteLength(access) > MAX_ACCESS_BYTES)
    throw new BlockError('maximum interpolation expression size exceeded');
  let value: unknown = ctx;
  for (const key of objects) {
    if (!isMap(value) || !(key in value))
      throw new BlockError(`unknown interpolation key: \`${key}\``);
    value = value[key];
  }
  if (functions.length > MAX_FUNCTIONS)
    throw new BlockError('too many functions in interpolation block');
  return functions.reduce((v, fn) => applyFunction(fn, v, options), value);
}

/** Ruby's `to_s` for a value put inside a longer string. */
function rubyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v) ?? 'nil').join(', ')}]`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

function interpolateString(text: string, ctx: YamlMap, options: InterpolateOptions): unknown {
  if (!text.includes('$[[')) return text;
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) return text;
  const values = new Map<string, unknown>();
  for (const m of blocks) {
    if (!values.has(m[0])) values.set(m[0], evaluateBlock(m[1]!, ctx, options));
  }
  if (blocks.length === 1 && blocks[0]![0].length === text.length) return values.get(text);
  let out = text;
  for (const [block, value] of values) out = out.split(block).join(rubyText(value));
  return out;
}

function walk(node: unknown, ctx: YamlMap, options: InterpolateOptions): unknown {
  if (typeof node === 'string') return interpolateString(node, ctx, options);
  if (Array.isArray(node)) return node.map((item) => walk(item, ctx, options));
  if (node instanceof CiReference || !isMap(node)) return node;
  const out: YamlMap = {};
  for (const [key, value] of Object.entries(node)) {
    out[rubyText(interpolateString(key, ctx, options))] = walk(value, ctx, options);
  }
  return out;
}

/** The file's configuration after interpolation, or GitLab's errors. */
export function interpolateDocuments(
  docs: CiYamlDocuments,
  options: InterpolateOptions,
): InterpolateResult {
  const given = Object.keys(options.args).length > 0;
  if (!docs.header) {
    if (given)
      return {
        errors: [
          'Given inputs not defined in the `spec` section of the included configuration file',
        ],
      };
    return { content: docs.content };
  }
  const header = readHeader(docs.header);
  if (header.errors.length > 0) return { errors: header.errors };
  const args = options.textArgs ? coerceTextInputs(header.specs, options.args) : options.args;
  const inputs = resolveInputs(header.specs, args);
  if (inputs.errors.length > 0) return { errors: inputs.errors };
  try {
    return { content: walk(docs.content, { inputs: inputs.values }, options) as YamlMap };
  } catch (err: unknown) {
    if (!(err instanceof BlockError)) throw err;
    return { errors: [err.message] };
  }
}

/** GitLab surfaces at most three interpolation errors, joined. */
export function interpolationMessage(errors: readonly string[]): string {
  return errors.slice(0, 3).join(', ');
}

/** `expand_vars` sees the pipeline's variables (as include locations do). */
export function interpolationVariables(
  ctx: RuleContext | undefined,
): Pick<InterpolateOptions, 'lookup' | 'isMasked'> {
  if (!ctx) return { lookup: () => undefined };
  const masked = new Set(ctx.masked ?? []);
  return { lookup: lookupIn(ctx, []), isMasked: (name) => masked.has(name) };
}
