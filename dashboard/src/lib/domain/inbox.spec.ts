import { describe, expect, it } from 'vitest';
import {
  byInboxOrder,
  clock,
  deviceLabel,
  hasNewAlarm,
  highPriorityBurst,
  type InboxAlert,
  inboxSections,
  inInbox,
  isIos,
  secondsToEscalation,
  soundingIds,
} from './inbox.js';

const alert = (id: string, priority: InboxAlert['priority'], openedAt: string, state: InboxAlert['state'] = 'open', acknowledgedBy?: string): InboxAlert => ({
  id,
  priority,
  state,
  openedAt,
  acknowledgedBy,
});

describe('the inbox', () => {
  it('holds open alerts and those the user acknowledged; a colleague’s and resolved ones leave it', () => {
    expect(inInbox(alert('a', 'high', '2026-12-01T22:00:00Z'), 'me')).toBe(true);
    expect(inInbox(alert('a', 'high', '2026-12-01T22:00:00Z', 'acknowledged', 'me'), 'me')).toBe(true);
    expect(inInbox(alert('a', 'high', '2026-12-01T22:00:00Z', 'acknowledged', 'colleague'), 'me')).toBe(false);
    expect(inInbox(alert('a', 'high', '2026-12-01T22:00:00Z', 'resolved', 'me'), 'me')).toBe(false);
    expect(inInbox(alert('a', 'high', '2026-12-01T22:00:00Z', 'acknowledged', 'me'), undefined)).toBe(false);
  });

  it('puts the newest high first, then the newest medium, then low', () => {
    const alerts = [
      alert('old-high', 'high', '2026-12-01T22:00:00Z'),
      alert('new-low', 'low', '2026-12-01T23:59:00Z'),
      alert('new-medium', 'medium', '2026-12-01T23:00:00Z'),
      alert('new-high', 'high', '2026-12-01T23:30:00Z'),
      alert('old-medium', 'medium', '2026-12-01T21:00:00Z'),
    ];
    expect([...alerts].sort(byInboxOrder).map((a) => a.id)).toEqual(['new-high', 'old-high', 'new-medium', 'old-medium', 'new-low']);
  });

  it('splits into waiting and the user’s own, each in order', () => {
    const sections = inboxSections(
      [
        alert('mine-low', 'low', '2026-12-01T23:00:00Z', 'acknowledged', 'me'),
        alert('open-medium', 'medium', '2026-12-01T23:00:00Z'),
        alert('theirs', 'high', '2026-12-01T23:00:00Z', 'acknowledged', 'colleague'),
        alert('mine-high', 'high', '2026-12-01T22:00:00Z', 'acknowledged', 'me'),
        alert('open-high', 'high', '2026-12-01T20:00:00Z'),
      ],
      'me',
    );
    expect(sections.open.map((a) => a.id)).toEqual(['open-high', 'open-medium']);
    expect(sections.mine.map((a) => a.id)).toEqual(['mine-high', 'mine-low']);
  });

  it('sounds for open high alerts only; a new one is a new alarm, one that went away is not', () => {
    const ids = soundingIds([
      alert('h1', 'high', '2026-12-01T22:00:00Z'),
      alert('m1', 'medium', '2026-12-01T22:00:00Z'),
      alert('h2', 'high', '2026-12-01T22:00:00Z', 'acknowledged', 'me'),
    ]);
    expect([...ids]).toEqual(['h1']);
    expect(hasNewAlarm(new Set(['h1']), new Set(['h1', 'h3']))).toBe(true);
    expect(hasNewAlarm(new Set(['h1', 'h3']), new Set(['h1']))).toBe(false);
    expect(hasNewAlarm(new Set(['h1']), new Set(['h1']))).toBe(false);
  });
});

describe('escalation countdown', () => {
  const now = Date.parse('2026-12-01T23:00:00Z');
  it('counts whole seconds to the next level, 0 once due, nothing when acknowledged or at the last level', () => {
    expect(secondsToEscalation({ state: 'open', nextEscalationAt: '2026-12-01T23:04:30.200Z' }, now)).toBe(271);
    expect(secondsToEscalation({ state: 'open', nextEscalationAt: '2026-12-01T22:59:00Z' }, now)).toBe(0);
    expect(secondsToEscalation({ state: 'acknowledged', nextEscalationAt: '2026-12-01T23:04:30Z' }, now)).toBeUndefined();
    expect(secondsToEscalation({ state: 'open' }, now)).toBeUndefined();
  });

  it.each([
    [0, '0:00'],
    [9, '0:09'],
    [271, '4:31'],
    [3600, '1:00:00'],
    [3725, '1:02:05'],
  ])('%i s reads %s', (seconds, text) => {
    expect(clock(seconds)).toBe(text);
  });
});

describe('the alarm sound', () => {
  it('is the IEC 60601-1-8 high-priority burst: 10 pulses in groups of 3, 2, 3, 2', () => {
    // 150 ms pulses 100 ms apart in a group; 2 gaps + 1 pulse (350 ms) between groups, 600 ms after the fifth.
    expect(highPriorityBurst().map((p) => p.at)).toEqual([0, 0.25, 0.5, 1, 1.25, 2, 2.25, 2.5, 3, 3.25]);
    expect(new Set(highPriorityBurst().map((p) => p.duration))).toEqual(new Set([0.15]));
  });
});

describe('device names', () => {
  it.each([
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'Chrome · Android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari · iOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Edge · Windows'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox · Linux'],
    ['curl/8.5.0', ''],
  ])('%s', (userAgent, label) => {
    expect(deviceLabel(userAgent)).toBe(label);
  });

  it('knows iPadOS, which says it is a Mac, by its touch points', () => {
    const ipad = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    expect(isIos(ipad, 5)).toBe(true);
    expect(isIos(ipad, 0)).toBe(false);
  });
});
