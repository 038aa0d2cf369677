import { describe, expect, it } from 'vitest';
import { interpolate, t, tDynamic } from './i18n.js';

describe('i18n', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('{n} min ago, {x}', { n: 5 })).toBe('5 min ago, {x}');
    expect(t('age.minutes', { n: 12 })).toBe('12 min ago');
  });

  it('falls back to the code for a key built at run time that has no entry', () => {
    expect(tDynamic('metric.spo2')).toBe('SpO₂');
    expect(tDynamic('metric.newthing', {}, 'newthing')).toBe('newthing');
  });
});
