import { describe, expect, it } from 'vitest';

// router.svelte.ts reads `location` when it is loaded; the pure matcher is tested with a stand-in.
globalThis.location ??= { pathname: '/', search: '' } as Location;
globalThis.addEventListener ??= () => undefined;
const { match } = await import('./router.svelte.js');

describe('match', () => {
  it.each([
    ['/', { name: 'overview', params: {} }],
    ['/sign-in', { name: 'signIn', params: {} }],
    ['/patients/0b5c7d8e-1111-4222-8333-944455556666', { name: 'patient', params: { id: '0b5c7d8e-1111-4222-8333-944455556666' } }],
    ['/patients/', { name: 'notFound', params: {} }],
    ['/patients/a/b', { name: 'notFound', params: {} }],
    ['/admin', { name: 'admin', params: {} }],
    ['/admin/devices', { name: 'admin', params: { section: 'devices' } }],
    ['/admin/devices/x', { name: 'notFound', params: {} }],
    ['/results', { name: 'results', params: {} }],
    ['/alerts', { name: 'inbox', params: {} }],
    ['/alerts/6f1c0d8e-1111-4222-8333-944455556666', { name: 'alert', params: { id: '6f1c0d8e-1111-4222-8333-944455556666' } }],
    ['/settings/notifications', { name: 'notifications', params: {} }],
  ])('%s', (path, expected) => {
    expect(match(path)).toEqual(expected);
  });
});
