import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '$domain/protocol';
import { setLocale } from '../../i18n/i18n.js';
import EventTimeline from './EventTimeline.svelte';

/** The patient's events timeline, rendered by Svelte's server renderer (no browser needed). */
const event = (type: string, t: string) => ({ t, deviceId: 'd1', type, data: {} });
const events = [
  event('fall', '2026-12-24T03:10:00.000Z'),
  event('bed_exit', '2026-12-24T02:55:00.000Z'),
  event('door_open', '2026-12-24T02:40:00.000Z'),
  event('med_missed', '2026-12-24T02:00:00.000Z'),
  event('med_taken', '2026-12-23T20:00:00.000Z'),
  event('alarm_button', '2026-12-23T19:00:00.000Z'),
];
const items = (html: string) =>
  [...html.matchAll(/<li([^>]*)>([\s\S]*?)<\/li>/g)].map((m) => ({ urgent: m[1].includes('urgent'), text: m[2].replace(/<[^>]+>/g, '').trim() }));

describe('EventTimeline', () => {
  afterEach(() => setLocale('en'));

  it('lists falls, bed exits, doors, doses and the alarm button in words, in the order given (newest first), urgent ones marked by shape too', () => {
    const { body } = render(EventTimeline, { props: { events } });
    const shown = items(body);
    expect(shown.map((i) => i.text.replace(/^.*?(?=[▲A-Z])/s, ''))).toEqual([
      '▲ Fall',
      'Out of bed',
      'Door opened',
      '▲ Dose missed',
      'Dose taken',
      '▲ Alarm button pressed',
    ]);
    expect(shown.map((i) => i.urgent)).toEqual([true, false, false, true, false, true]);
    // Each carries its machine-readable time.
    expect([...body.matchAll(/datetime="([^"]+)"/g)].map((m) => m[1])).toEqual(events.map((e) => e.t));
  });

  it('names every event type of the device protocol, in Danish too', () => {
    setLocale('da');
    const { body } = render(EventTimeline, { props: { events: EVENT_TYPES.map((type) => event(type, '2026-12-24T03:10:00.000Z')) } });
    const texts = items(body).map((i) => i.text);
    expect(texts).toHaveLength(EVENT_TYPES.length);
    for (const [i, type] of EVENT_TYPES.entries()) expect({ type, named: !texts[i].includes(type) }).toEqual({ type, named: true });
    expect(texts[0]).toContain('Fald');
    expect(texts[0]).toContain('24.12.2026');
  });

  it('says so when the range holds no event', () => {
    expect(render(EventTimeline, { props: { events: [] } }).body).toContain('No events in this range.');
  });
});
