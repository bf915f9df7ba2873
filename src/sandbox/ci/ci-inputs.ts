/**
 * `spec:inputs` of a configuration file's header, checked as GitLab checks them: the header's
 * keys, each input's keys and type, unknown arguments, then every input's value (or default)
 * against its type, `options` and `regex`. Messages are GitLab's.
 */
import { isMap, scalarText, type YamlMap } from './ci-values.js';

export const INPUT_TYPES = ['string', 'number', 'boolean', 'array'] as const;
type InputType = (typeof INPUT_TYPES)[number];

const INPUT_KEYS = ['default', 'description', 'options', 'regex', 'type', 'rules'];

interface InputSpec {
  name: string;
  type: InputType;
  spec: YamlMap;
}

/** The header's errors (`header:…` messages) and its input specs, in order. */
export function readHeader(header: YamlMap): { specs: InputSpec[]; errors: string[] } {
  const errors: string[] = [];
  const specs: InputSpec[] = [];
  const unknownRoot = Object.keys(header).filter((k) => k !== 'spec');
  if (unknownRoot.length > 0)
    errors.push(`header config contains unknown keys: ${unknownRoot.join(', ')}`);
  const spec = header.spec;
  if (spec !== null && spec !== undefined && !isMap(spec)) {
    errors.push('header:spec config should be a hash');
    return { specs, errors };
  }
  const unknownSpec = Object.keys(spec ?? {}).filter(
    (k) => !['inputs', 'component', 'include'].includes(k),
  );
  if (unknownSpec.length > 0)
    errors.push(`header:spec config contains unknown keys: ${unknownSpec.join(', ')}`);
  const inputs = spec?.inputs;
  if (inputs === null || inputs === undefined) return { specs, errors };
  if (!isMap(inputs)) {
    errors.push('header:spec:inputs config should be a hash');
    return { specs, errors };
  }
  for (const [name, raw] of Object.entries(inputs)) {
    const at = `header:spec:inputs:${name}`;
    if (raw !== null && !isMap(raw)) {
      errors.push(`${at} config should be a hash`);
      continue;
    }
    const input = raw ?? {};
    const unknown = Object.keys(input).filter((k) => !INPUT_KEYS.includes(k));
    if (unknown.length > 0)
      errors.push(`${at} config contains unknown keys: ${unknown.join(', ')}`);
    const type = input.type === undefined || input.type === null ? 'string' : input.type;
    if (!(INPUT_TYPES as readonly unknown[]).includes(type)) {
      errors.push(`${at} input type unknown value: ${scalarText(type)}`);
      continue;
    }
    if (input.options !== undefined && !Array.isArray(input.options))
      errors.push(`${at} input options should be an array`);
    specs.push({ name, type: type as InputType, spec: input });
  }
  return { specs, errors };
}

function isOfType(value: unknown, type: InputType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
  }
}

function checkValue(input: InputSpec, value: unknown, isDefault: boolean): string[] {
  const which = isDefault ? 'default' : 'provided';
  const errors: string[] = [];
  if (!isOfType(value, input.type)) errors.push(`${which} value is not a ${input.type}`);
  const options = input.spec.options;
  if (Array.isArray(options)) {
    if (input.type !== 'string' && input.type !== 'number')
      errors.push('Options can only be used with string and number inputs');
    else if (!options.includes(value))
      errors.push(
        `\`${scalarText(value)}\` cannot be used because it is not in the list of allowed options`,
      );
  }
  if (input.spec.regex !== undefined) {
    if (input.type !== 'string')
      errors.push('RegEx validation can only be used with string inputs');
    else if (typeof value === 'string') {
      try {
        if (!new RegExp(scalarText(input.spec.regex)).test(value))
          errors.push(`${which} value does not match required RegEx pattern`);
      } catch {
        errors.push('invalid regular expression');
      }
    }
  }
  return errors;
}

/**
 * Values given on a command line are text: a number, boolean or JSON array input takes the
 * value it spells (GitLab's pipeline inputs arrive typed from the API or the run form).
 */
export function coerceTextInputs(
  specs: readonly InputSpec[],
  args: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  for (const { name, type } of specs) {
    const text = args[name];
    if (typeof text !== 'string') continue;
    if (type === 'number' && /^-?\d+(\.\d+)?$/.test(text.trim())) out[name] = Number(text);
    else if (type === 'boolean' && (text === 'true' || text === 'false'))
      out[name] = text === 'true';
    else if (type === 'array') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) out[name] = parsed;
      } catch {
        // Not JSON: left as text, refused as not an array.
      }
    }
  }
  return out;
}

/** The inputs' values, or GitLab's errors (`\`name\` input: …`). */
export function resolveInputs(
  specs: readonly InputSpec[],
  args: Readonly<Record<string, unknown>>,
): { values: Record<string, unknown>; errors: string[] } {
  const errors: string[] = [];
  const declared = new Set(specs.map((s) => s.name));
  const unknown = Object.keys(args).filter((k) => !declared.has(k));
  if (unknown.length > 0) errors.push(`unknown input arguments: ${unknown.join(', ')}`);
  const values: Record<string, unknown> = {};
  for (const input of specs) {
    const given = args[input.name];
    const required = !('default' in input.spec);
    const own: string[] = [];
    if (required && (given === undefined || given === null))
      own.push('required value has not been provided');
    else {
      if (!required) own.push(...checkValue(input, input.spec.default, true));
      if (given !== undefined && given !== null) own.push(...checkValue(input, given, false));
    }
    errors.push(...own.map((m) => `\`${input.name}\` input: ${m}`));
    values[input.name] = given ?? input.spec.default;
  }
  return { values, errors };
}
