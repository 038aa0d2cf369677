/**
 * What text PostgreSQL can store. `text` and `jsonb` refuse U+0000 (`invalid byte sequence
 * for encoding "UTF8": 0x00`, `unsupported Unicode escape sequence`) and any string that is
 * not well-formed UTF-16 (a lone surrogate such as "\ud800" cannot be encoded as UTF-8). One
 * rule for every boundary, so no input can reach an INSERT that fails every time:
 *
 * - people's input (REST bodies, queries, params, CLI options) is refused with a 400 naming
 *   the field (`storableString` in dtos/common.dto.ts);
 * - device data (event `data`, status `fw`, any string a device sends) is cleaned instead:
 *   each offending code unit becomes U+FFFD, so a fall event with a garbled note is still
 *   stored and still raises its alert. A payload that is not valid UTF-8 at all is rejected
 *   as `bad_encoding` before it is parsed.
 */

const NUL = '\u0000';
export const REPLACEMENT_CHARACTER = '\ufffd';

/** True when PostgreSQL can store `text` in a `text` or `jsonb` column. */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes(NUL);
}

/** `text` with U+0000 and every lone surrogate replaced by U+FFFD (unchanged when already storable). */
export function toStorableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.toWellFormed().replaceAll(NUL, REPLACEMENT_CHARACTER);
}

/**
 * A JSON value with every string in it (object keys too) made storable; other values as they
 * are. Returns the same object when nothing needed cleaning.
 */
export function toStorableJson(value: unknown): unknown {
  // Allocates only where something changes: this runs on every device message.
  if (typeof value === 'string') return toStorableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let cleaned: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = toStorableJson(value[i]);
      if (item !== value[i]) (cleaned ??= value.slice())[i] = item;
    }
    return cleaned ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let entries: Array<[string, unknown]> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = record[key]; // an own key "__proto__" (JSON.parse makes one) reads as itself
    const k = toStorableText(key);
    const v = toStorableJson(item);
    if (!entries && (k !== key || v !== item)) entries = keys.slice(0, i).map((earlier) => [earlier, record[earlier]]);
    entries?.push([k, v]);
  }
  return entries ? Object.fromEntries(entries) : value;
}
