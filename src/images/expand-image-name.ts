/**
 * Variables in `image:` and `services:` names, expanded as the runner does before pulling:
 * `$VAR` and `${VAR}` from the job's variables (global ones included), plus the shell form
 * `${VAR:-default}` (the default when VAR is unset or empty). A value that refers to other
 * variables is expanded too, unless the variable was declared with `expand: false`.
 */

export interface ImageVariable {
  value: string;
  /** `expand: false`: the value is used as written. */
  raw: boolean;
}

export interface ExpandedName {
  name: string;
  /** Variables the name needs that have no value (and no default). */
  missing: string[];
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const MAX_DEPTH = 10;

function expandText(
  text: string,
  variables: ReadonlyMap<string, ImageVariable>,
  missing: Set<string>,
  depth: number,
): string {
  return text.replace(REFERENCE, (whole, braced?: string, fallback?: string, bare?: string) => {
    const key = (braced ?? bare)!;
    const variable = variables.get(key);
    const value =
      variable === undefined || depth >= MAX_DEPTH || variable.raw
        ? variable?.value
        : expandText(variable.value, variables, missing, depth + 1);
    if (fallback !== undefined && (value === undefined || value === ''))
      return expandText(fallback, variables, missing, depth + 1);
    if (value === undefined) {
      missing.add(key);
      return whole;
    }
    return value;
  });
}

/** Expands one image name; `missing` lists what could not be resolved. */
export function expandImageName(
  name: string,
  variables: ReadonlyMap<string, ImageVariable>,
): ExpandedName {
  const missing = new Set<string>();
  const expanded = expandText(name, variables, missing, 0).trim();
  return { name: expanded, missing: [...missing] };
}
