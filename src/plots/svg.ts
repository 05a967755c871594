/** Helpers for hand-written SVG: escaped text, compact deterministic numbers. */

/** XML 1.0 forbids C0 controls other than tab and newlines even escaped: one would make the file unreadable. */
function isXmlChar(ch: string): boolean {
  const code = ch.codePointAt(0) as number;
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return code !== 0xfffe && code !== 0xffff;
}

/** Text or attribute value, safe inside an element or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return [...value]
    .filter(isXmlChar)
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A coordinate with at most two decimals and no "-0", so the same input gives the same bytes. */
export function num(value: number): string {
  const r = Math.round(value * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

export function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v as string)}"`)
    .join('');
}

export function element(
  name: string,
  values: Record<string, string | number | undefined>,
  body?: string,
): string {
  return body === undefined ? `<${name}${attrs(values)}/>` : `<${name}${attrs(values)}>${body}</${name}>`;
}

/** Shortens a label to `max` characters with an ellipsis (the full text goes in a <title>). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A rough width of DejaVu Sans text, for layout only (no font metrics on the server). */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}
