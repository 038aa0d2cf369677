/** The dashboard's languages: the catalogue's code and the Intl locale its dates and numbers use. */
export const LANGUAGES = { en: 'en-GB', da: 'da-DK' } as const;
export type Language = keyof typeof LANGUAGES;

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/**
 * The active language as rune state: `t()` and the Intl helpers read it, so every text on screen
 * follows a switch without a reload.
 */
class ActiveLanguage {
  current = $state<Language>('en');
}

export const active = new ActiveLanguage();
