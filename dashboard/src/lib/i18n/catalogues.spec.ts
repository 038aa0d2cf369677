import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEVICE_KIND_CODES } from '$domain/device-kinds';
import { METRIC_CODES } from '$domain/metric-catalogue';
import { EVENT_TYPES } from '$domain/protocol';
import { ALERT_KINDS } from '$wire/live.dto';
import { da } from './da.js';
import { en } from './en.js';
import { CATALOGUES } from './i18n.js';

/**
 * Every language says everything: a key missing from (or extra in) a catalogue fails here, as do
 * a placeholder one translation forgets, a key the code asks for that no catalogue has, a code
 * the server can send (metric, alert kind, event, device kind) with no words, and text written
 * straight into a component's markup instead of going through the catalogue.
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const keys = Object.keys(en).sort();
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.(svelte|ts)$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name) ? [file] : [];
  });
}
const files = sources(SRC).map((file) => ({ file: path.relative(SRC, file), text: fs.readFileSync(file, 'utf8') }));

describe.each(Object.entries(CATALOGUES))('the %s catalogue', (_language, catalogue) => {
  it('has exactly the keys of the English one', () => {
    expect(Object.keys(catalogue).sort()).toEqual(keys);
  });

  it('keeps every placeholder of each message, and leaves none empty that English fills', () => {
    for (const key of keys) {
      const text = (catalogue as Record<string, string>)[key];
      expect({ key, placeholders: placeholders(text) }).toEqual({ key, placeholders: placeholders(en[key as keyof typeof en]) });
      if (en[key as keyof typeof en] !== '') expect({ key, text: text.trim() }).not.toEqual({ key, text: '' });
    }
  });

  it('has words for every code the server sends', () => {
    const families = {
      metric: METRIC_CODES,
      unit: METRIC_CODES,
      'alert.kind': ALERT_KINDS,
      event: EVENT_TYPES,
      'device.kind': DEVICE_KIND_CODES,
      alertState: ['open', 'acknowledged', 'resolved'],
      priority: ['high', 'medium', 'low'],
    };
    const missing = Object.entries(families).flatMap(([prefix, codes]) => codes.map((code) => `${prefix}.${code}`).filter((key) => !(key in catalogue)));
    expect(missing).toEqual([]);
  });
});

describe('the Danish catalogue', () => {
  it('translates everything except names, symbols and units written alike in both languages', () => {
    // A message copied from English and left untranslated fails here.
    const alike = keys.filter((key) => da[key as keyof typeof da] === en[key as keyof typeof en]);
    expect(alike).toEqual([
      'admin.role.admin',
      'admin.section.teams',
      'admin.teams.title',
      'admin.users.team',
      'alert.kind.news2',
      'app.name',
      'language.da',
      'language.en',
      'metric.acvpu',
      'metric.news2',
      'metric.spo2',
      'news2.label',
      'overview.team',
      'patient.title',
      'results.team',
      'signIn.email',
      'unit.acvpu',
      'unit.dbp',
      'unit.hr',
      'unit.o2',
      'unit.rr',
      'unit.sbp',
      'unit.spo2',
      'unit.temp',
      'unit.weight',
      'value.acvpu.1',
    ]);
  });
});

describe('the code and the catalogues', () => {
  it('asks only for keys the catalogues have', () => {
    const asked = files.flatMap(({ file, text }) => [...text.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => ({ file, key: m[1] })));
    expect(asked.length).toBeGreaterThan(50);
    expect(asked.filter(({ key }) => !(key in en))).toEqual([]);
    // Keys built from a prefix (`t(\`patient.range.${range}\`)`) need at least one entry under it.
    const prefixes = files.flatMap(({ file, text }) => [...text.matchAll(/\b(?:t|tDynamic)\(\s*`([\w.-]+)\.\$\{/g)].map((m) => ({ file, prefix: m[1] })));
    expect(prefixes.filter(({ prefix }) => !keys.some((key) => key.startsWith(`${prefix}.`)))).toEqual([]);
  });

  it('writes no words into component markup: every text shown comes from a catalogue', () => {
    const found: Array<{ file: string; text: string }> = [];
    for (const { file, text } of files.filter((f) => f.file.endsWith('.svelte'))) {
      let markup = text
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<!--[\s\S]*?-->/g, '');
      // Expressions, innermost first, until none is left.
      for (let previous = ''; previous !== markup;) [previous, markup] = [markup, markup.replace(/\{[^{}]*\}/g, '')];
      for (const m of markup.matchAll(/>([^<>]+)</g)) if (/\p{L}/u.test(m[1])) found.push({ file, text: m[1].trim() });
      for (const m of markup.matchAll(/\s(?:aria-label|title|alt|placeholder)="([^"]*)"/g)) if (/\p{L}/u.test(m[1])) found.push({ file, text: m[1] });
    }
    expect(found).toEqual([]);
  });
});
