import { describe, expect, it } from 'vitest';
import { ConnectionState } from './connection.svelte.js';

describe('ConnectionState', () => {
  it('remembers when live data stopped, for "data may be stale since …", and forgets it on reconnect', () => {
    const state = new ConnectionState();
    expect([state.online, state.since]).toEqual([false, undefined]);
    state.connected();
    const lost = new Date('2026-12-01T10:42:00Z');
    state.disconnected(lost);
    // A failed reconnect attempt later does not move the time the data went stale.
    state.disconnected(new Date('2026-12-01T10:45:00Z'));
    expect([state.online, state.since]).toEqual([false, lost]);
    state.connected();
    expect([state.online, state.since]).toEqual([true, undefined]);
  });
});
