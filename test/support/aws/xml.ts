/**
 * Minimal XML writer for the AWS query protocols: an object becomes child elements, an array
 * becomes repeated `<member>` (Auto Scaling) or `<item>` (EC2) elements, Dates become ISO-8601.
 */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | readonly XmlValue[]
  | { readonly [key: string]: XmlValue };

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function scalar(value: string | number | boolean | Date): string {
  return escapeXml(value instanceof Date ? value.toISOString() : String(value));
}

/** Serialises the children of one element. `listItem` names array entries. */
export function toXml(value: XmlValue, listItem: 'member' | 'item'): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    return value.map((v: XmlValue) => `<${listItem}>${toXml(v, listItem)}</${listItem}>`).join('');
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value as Record<string, XmlValue>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v, listItem)}</${k}>`)
      .join('');
  }
  return scalar(value);
}
