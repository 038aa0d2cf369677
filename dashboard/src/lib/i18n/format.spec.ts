import { afterEach, describe, expect, it } from 'vitest';
import { formatValue } from '../format.js';
import { formatDateTime, formatTime, setLocale, t } from './i18n.js';

describe('formats through Intl in the active language', () => {
  afterEach(() => setLocale('en'));
  // Local time: the dashboard shows the user's own clock.
  const christmasNight = new Date(2026, 11, 24, 3, 10);

  it('Danish: decimal comma, day.month.year and the dotted 24-hour clock', () => {
    setLocale('da');
    expect(formatValue('temp', 37.2)).toBe('37,2 °C');
    expect(formatValue('temp', 37)).toBe('37,0 °C');
    expect(formatValue('glucose', 5.25)).toBe('5,3 mmol/l');
    expect(formatValue('spo2', 96)).toBe('96 %');
    expect(formatDateTime(christmasNight)).toBe('24.12.2026 03.10');
    expect(formatTime(christmasNight)).toBe('03.10');
    expect(t('age.minutes', { n: 4 })).toBe('for 4 min. siden');
  });

  it('English: decimal point, day/month/year and the 24-hour clock', () => {
    setLocale('en');
    expect(formatValue('temp', 37.2)).toBe('37.2 °C');
    expect(formatDateTime(christmasNight)).toBe('24/12/2026 03:10');
    expect(formatTime(christmasNight)).toBe('03:10');
  });

  it('falls back to English for a language it does not have', () => {
    setLocale('xx');
    expect(t('nav.signOut')).toBe('Sign out');
  });
});
