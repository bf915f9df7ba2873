/**
 * Server-side expansion of job variables, as Rails' `sort_and_expand_all(keep_undefined: true,
 * expand_file_refs: false, expand_raw_refs: false)`: `$VAR`/`${VAR}` of known variables are
 * replaced, unknown ones and references to file or raw variables are kept, `$$` stays.
 */
export interface PayloadVariable {
  key: string;
  value: string;
  public: boolean;
  masked: boolean;
  file?: true;
  raw?: true;
}

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function expandVariables(vars: readonly PayloadVariable[]): PayloadVariable[] {
  const byKey = new Map<string, PayloadVariable>();
  for (const v of vars) byKey.set(v.key, v);
  const cache = new Map<string, string>();
  const expand = (text: string, visiting: Set<string>): string =>
    text.replace(REF, (whole, braced: string | undefined, bare: string | undefined) => {
      const key = braced ?? bare;
      if (key === undefined) return whole;
      const target = byKey.get(key);
      if (!target || target.file || target.raw || visiting.has(key)) return whole;
      return resolve(target, visiting);
    });
  const resolve = (v: PayloadVariable, visiting: Set<string>): string => {
    const cached = cache.get(v.key);
    if (cached !== undefined) return cached;
    const value = v.raw || v.file ? v.value : expand(v.value, new Set([...visiting, v.key]));
    cache.set(v.key, value);
    return value;
  };
  return vars.map((v) =>
    v.raw || v.file
      ? v
      : {
          ...v,
          value: v === byKey.get(v.key) ? resolve(v, new Set()) : expand(v.value, new Set([v.key])),
        },
  );
}
