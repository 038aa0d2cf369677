import { afterEach, describe, expect, it } from 'vitest';
import { currentLocale, setLocale } from '../i18n/i18n.js';
import { LanguagePreference, pickLanguage } from './language.service.js';

function memory(entries: Record<string, string> = {}) {
  const map = new Map(Object.entries(entries));
  return { map, getItem: (key: string) => map.get(key) ?? null, setItem: (key: string, value: string) => void map.set(key, value) };
}

describe('the language preference', () => {
  afterEach(() => setLocale('en'));

  it('takes a stored choice, else the first browser language it has, else English', () => {
    expect(pickLanguage('da', ['en-US'])).toBe('da');
    expect(pickLanguage(null, ['fr-FR', 'da-DK', 'en'])).toBe('da');
    expect(pickLanguage('xx', ['fr'])).toBe('en');
  });

  it('starts in the browser’s language, and remembers each user’s own choice apart', () => {
    const storage = memory();
    const preference = new LanguagePreference(storage, ['da']);
    preference.start();
    expect(currentLocale()).toBe('da');
    preference.choose('en', 'user-a');
    expect(storage.map.get('vigil.language.user-a')).toBe('en');
    // Another user signs in on this browser and chooses Danish; user A's choice holds for A.
    preference.signedIn('user-b');
    expect(currentLocale()).toBe('en');
    preference.choose('da', 'user-b');
    preference.signedIn('user-a');
    expect(currentLocale()).toBe('en');
    preference.signedIn('user-b');
    expect(currentLocale()).toBe('da');
    // The sign-in screen of the next visit shows the last choice made on this browser.
    const next = new LanguagePreference(storage, ['en']);
    setLocale('en');
    next.start();
    expect(currentLocale()).toBe('da');
  });
});
