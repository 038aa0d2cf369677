import { type Language, setLocale } from '../i18n/i18n.js';
import { isLanguage } from '../i18n/language.svelte.js';
import { session } from '../state/session.svelte.js';

type Store = Pick<Storage, 'getItem' | 'setItem'>;

/** The last language chosen on this browser (for the sign-in screen), and each user's own choice. */
const DEVICE_KEY = 'vigil.language';
const userKey = (userId: string) => `vigil.language.${userId}`;

/** A stored choice first, then the first of the browser's languages the dashboard has, then English. */
export function pickLanguage(stored: string | null, browserLanguages: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of browserLanguages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

/**
 * The language preference, remembered per user in this browser's localStorage (no server
 * round trip, nothing about patients): before sign-in the browser's last choice or its own
 * language; after sign-in the user's choice, when they made one here.
 */
export class LanguagePreference {
  constructor(
    private readonly storage: Store | undefined = globalThis.localStorage,
    private readonly browserLanguages: readonly string[] = globalThis.navigator?.languages ?? [],
  ) {}

  start(): void {
    setLocale(pickLanguage(this.storage?.getItem(DEVICE_KEY) ?? null, this.browserLanguages));
  }

  signedIn(userId: string): void {
    const own = this.storage?.getItem(userKey(userId)) ?? null;
    if (isLanguage(own)) setLocale(own);
  }

  choose(language: Language, userId?: string): void {
    setLocale(language);
    this.storage?.setItem(DEVICE_KEY, language);
    if (userId) this.storage?.setItem(userKey(userId), language);
  }
}

const preference = new LanguagePreference();

/** Once per page: the starting language, and the user's own at each sign-in. Returns the unsubscribe. */
export function startLanguage(): () => void {
  preference.start();
  return session.onChange((signedIn) => {
    if (signedIn && session.me) preference.signedIn(session.me.id);
  });
}

export function chooseLanguage(language: string): void {
  if (isLanguage(language)) preference.choose(language, session.me?.id);
}
