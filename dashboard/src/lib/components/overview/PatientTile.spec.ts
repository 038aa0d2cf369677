import { render } from 'svelte/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toRow, type WireRow } from '../../domain/rows.js';
import { setLocale } from '../../i18n/i18n.js';
import PatientTile from './PatientTile.svelte';

vi.hoisted(() => {
  // The router (imported for the tile's link) reads the address when loaded; the server renderer has none.
  Object.assign(globalThis, { location: { pathname: '/', search: '', origin: 'http://localhost' }, addEventListener: () => undefined });
});

/** A caseload tile, rendered by Svelte's server renderer: devices, passive interval and held-back alerts as the API gives them. */
const now = new Date();
const wire = (extra: Partial<WireRow> = {}): WireRow => ({
  id: 'p1',
  name: 'Karen Blixen',
  teamId: 't1',
  latest: { temp: { value: 37.2, t: now.toISOString() } },
  news2: { score: 0, risk: 'low', components: {}, missing: [] },
  alerts: [],
  devices: [
    { id: 'd1', kind: 'pulse_oximeter', online: true, battery: 80, lastSeen: now.toISOString() },
    { id: 'd2', kind: 'thermometer', online: false, battery: null, lastSeen: null },
  ],
  ...extra,
});
const text = (html: string) =>
  html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
const devices = (html: string) => [...html.matchAll(/data-testid="tile-device" data-online="(true|false)"/g)].map((m) => m[1]);

describe('PatientTile', () => {
  afterEach(() => setLocale('en'));

  it('shows each device online or offline exactly as the API says, never deriving it', () => {
    const { body } = render(PatientTile, { props: { row: toRow(wire()) } });
    expect(devices(body)).toEqual(['true', 'false']);
    expect(text(body)).toContain('Pulse oximeter battery 80%');
    expect(text(body)).toContain('Thermometer ⚠ offline');
    // Old readings do not make a device offline here: only the server's state does.
    const stale = render(PatientTile, {
      props: { row: toRow(wire({ latest: { temp: { value: 37.2, t: new Date(now.getTime() - 86_400_000).toISOString() } } })) },
    });
    expect(devices(stale.body)).toEqual(['true', 'false']);
  });

  it('shows a passive interval in force and the alerts the server holds back, with the reason', () => {
    const row = toRow(
      wire({
        passive: [{ id: 'i1', startsAt: now.toISOString(), endsAt: null, reason: 'Hospital stay' }],
        inhibited: [{ reason: 'device_offline', deviceId: 'd2', since: new Date(2026, 11, 24, 3, 10).toISOString() }],
      }),
    );
    const shown = text(render(PatientTile, { props: { row } }).body);
    expect(shown).toContain('‖ Passive: Hospital stay');
    expect(shown).toContain('⚠ Vital alerts held back: Thermometer offline since 24/12/2026 03:10');
    setLocale('da');
    const danish = text(render(PatientTile, { props: { row } }).body);
    expect(danish).toContain('‖ Passiv: Hospital stay');
    expect(danish).toContain('Alarmer for vitalparametre holdes tilbage: Termometer afbrudt siden 24.12.2026 03.10');
    expect(danish).toContain('37,2 °C');
  });

  it('keeps the devices, passive intervals and held-back alerts it knew when a live row leaves them out', () => {
    const before = toRow(wire({ passive: [{ id: 'i1', startsAt: now.toISOString(), endsAt: null, reason: 'Sensor change' }], inhibited: [] }));
    const { devices: _devices, passive: _passive, inhibited: _inhibited, ...tick } = wire();
    const after = toRow(tick, before);
    expect(after.devices).toEqual(before.devices);
    expect(after.passive).toEqual(before.passive);
  });
});
