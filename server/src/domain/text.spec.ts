import { describe, expect, it } from '@jest/globals';
import { isStorableText, toStorableJson, toStorableText } from './text.js';

describe('storable text', () => {
  it.each([
    ['plain', 'Ingrid Jensen', true],
    ['Danish letters and emoji', 'Søren Ærø 🫁', true],
    ['U+0000', 'a\u0000b', false],
    ['a lone high surrogate', '\ud800', false],
    ['a lone low surrogate', 'x\udc00', false],
    ['an empty string', '', true],
  ])('%s → storable %s', (_, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('replaces NUL and lone surrogates with U+FFFD and keeps everything else', () => {
    expect(toStorableText('a\u0000b\ud800c🫁')).toBe('a\ufffdb\ufffdc🫁');
  });

  it('cleans strings and keys at any depth and leaves other values alone', () => {
    const input = { note: 'a\u0000', 'k\u0000': [1, 'ok', { deep: '\udfff' }], n: 2.5, flag: true, none: null };
    expect(toStorableJson(input)).toEqual({ note: 'a\ufffd', 'k\ufffd': [1, 'ok', { deep: '\ufffd' }], n: 2.5, flag: true, none: null });
  });

  it('cleans what a key "__proto__" holds (an own key after JSON.parse), keeping it an own key', () => {
    const cleaned = toStorableJson(JSON.parse('{"a":"ok","__proto__":{"note":"x\\u0000"}}')) as object;
    expect(Object.getOwnPropertyDescriptor(cleaned, '__proto__')?.value).toEqual({ note: 'x\ufffd' });
    expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
  });

  it('returns the same object when nothing needed cleaning', () => {
    const input = { note: 'fine', list: [1, 'two'] };
    expect(toStorableJson(input)).toBe(input);
  });
});
