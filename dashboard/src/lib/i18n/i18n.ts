import { type Catalogue, en, type MessageKey } from './en.js';

export type { MessageKey } from './en.js';
export type Params = Record<string, string | number>;

/**
 * The i18n mechanism: one active catalogue, `t(key, params)` fills `{name}` placeholders, and
 * dates and numbers go through Intl with the same locale. Adding a language is adding a
 * catalogue to `CATALOGUES`.
 */
const CATALOGUES: Record<string, Catalogue> = { en };

let locale = 'en';
let catalogue: Catalogue = en;

export function setLocale(next: string): void {
  catalogue = CATALOGUES[next] ?? en;
  locale = CATALOGUES[next] ? next : 'en';
}

export function currentLocale(): string {
  return locale;
}

export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function t(key: MessageKey, params?: Params): string {
  return interpolate(catalogue[key] ?? key, params);
}

/** A key built at run time (metric codes, alert kinds): falls back to the raw code, never to nothing. */
export function tDynamic(key: string, params?: Params, fallback = key): string {
  const template = (catalogue as Record<string, string>)[key];
  return template === undefined ? fallback : interpolate(template, params);
}

export function formatTime(date: Date): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false }).format(date);
}

export function formatDay(date: Date): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date);
}

export function formatDateTime(date: Date): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', hour12: false }).format(date);
}

export function formatNumber(value: number, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value);
}
