import { da } from './da.js';
import { type Catalogue, en, type MessageKey } from './en.js';
import { active, isLanguage, type Language, LANGUAGES } from './language.svelte.js';

export type { MessageKey } from './en.js';
export type { Language } from './language.svelte.js';
export type Params = Record<string, string | number>;

/**
 * The i18n mechanism: one active catalogue, `t(key, params)` fills `{name}` placeholders, and
 * dates and numbers go through Intl with the language's locale (English as en-GB: day before
 * month, 24-hour clock). Adding a language is a catalogue here and an entry in LANGUAGES.
 */
export const CATALOGUES: Record<Language, Catalogue> = { en, da };

export function setLocale(next: string): void {
  active.current = isLanguage(next) ? next : 'en';
  if (typeof document !== 'undefined') document.documentElement.lang = active.current;
}

export function currentLocale(): Language {
  return active.current;
}

export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function t(key: MessageKey, params?: Params): string {
  return interpolate(CATALOGUES[active.current][key] ?? key, params);
}

/** A key built at run time (metric codes, alert kinds): falls back to the raw code, never to nothing. */
export function tDynamic(key: string, params?: Params, fallback = key): string {
  const template = (CATALOGUES[active.current] as Record<string, string>)[key];
  return template === undefined ? fallback : interpolate(template, params);
}

// Formatters are costly to build and 200 tiles format every second: one per locale and style.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const locale = LANGUAGES[active.current];
  const key = `d|${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

export function formatTime(date: Date): string {
  return dateFormat({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

export function formatDay(date: Date): string {
  return dateFormat({ day: 'numeric', month: 'short' }).format(date);
}

/**
 * Date and time in the locale's numeric forms, joined by a space: da-DK `24.12.2026 03.10`, en-GB
 * `24/12/2026 03:10` (Intl's combined form puts a comma between them, which Danish does not write).
 */
export function formatDateTime(date: Date): string {
  return `${dateFormat({ day: '2-digit', month: '2-digit', year: 'numeric' }).format(date)} ${formatTime(date)}`;
}

export function formatNumber(value: number, maximumFractionDigits = 1, minimumFractionDigits = 0): string {
  const locale = LANGUAGES[active.current];
  const key = `n|${locale}|${maximumFractionDigits}|${minimumFractionDigits}`;
  let format = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.NumberFormat(locale, { maximumFractionDigits, minimumFractionDigits })));
  return format.format(value);
}
