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
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) {
    const cleaned = value.map(toStorableJson);
    return cleaned.every((item, i) => item === value[i]) ? value : cleaned;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const k = toStorableText(key);
      const v = toStorableJson(item);
      if (k !== key || v !== item) changed = true;
      return [k, v] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}
