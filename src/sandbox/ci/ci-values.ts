/** Small readers for loosely typed YAML values. */

export type YamlMap = Record<string, unknown>;

/** A YAML mapping: a plain object (not an array, nor a tag marker such as `!reference`). */
export function isMap(value: unknown): value is YamlMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A string or (nested) list of strings, flattened; numbers and booleans become strings. */
export function toStringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => toStringList(v));
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

export function toOptionalString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function toIntList(value: unknown): number[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.filter((v): v is number => typeof v === 'number' && Number.isInteger(v));
}

/** Deep merge as GitLab does for `extends` and `include`: maps merge, everything else is replaced. */
export function deepMerge(base: YamlMap, over: YamlMap): YamlMap {
  const out: YamlMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isMap(prev) && isMap(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** A value as text for messages: scalars as written, anything else as JSON. */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? String(value);
}
