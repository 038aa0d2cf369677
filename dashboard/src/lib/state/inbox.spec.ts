import { describe, expect, it } from 'vitest';
import { fallAlert as alert } from '../../test/alerts.js';
import { InboxState } from './inbox.svelte.js';

describe('InboxState', () => {
  it('keeps a live change that arrives while the list is being fetched', () => {
    const inbox = new InboxState();
    inbox.userId = 'me';
    inbox.beginLoad();
    inbox.apply(alert('a', { state: 'acknowledged', acknowledgedBy: 'colleague' })); // live, during the fetch
    inbox.apply(alert('new'));
    inbox.finishLoad([alert('a'), alert('b')]); // the fetch started before both changes
    expect(inbox.alerts.get('a')?.state).toBe('acknowledged');
    expect(inbox.sections.open.map((a) => a.id).sort()).toEqual(['b', 'new']);
    expect([...inbox.sounding].sort()).toEqual(['b', 'new']);
  });

  it('drops resolved alerts, and keeps the user’s acknowledged ones apart', () => {
    const inbox = new InboxState();
    inbox.userId = 'me';
    inbox.finishLoad([alert('a'), alert('b')]);
    inbox.apply(alert('a', { state: 'resolved' }));
    inbox.apply(alert('b', { state: 'acknowledged', acknowledgedBy: 'me' }));
    expect(inbox.alerts.has('a')).toBe(false);
    expect(inbox.sections.open).toEqual([]);
    expect(inbox.sections.mine.map((x) => x.id)).toEqual(['b']);
    expect(inbox.sounding.size).toBe(0);
  });
});
