/**
 * Vigil's service worker (built by Vite to /sw.js, see vite.config.ts): it shows the alert a
 * push message announces and handles the click. No caching: the dashboard shows patients' data,
 * which must never be kept on a device; a page that cannot reach the server says so.
 */
import { clickPlan, notificationFor } from './notification.js';

// Type-checked with the WebWorker library (src/sw/tsconfig.json), not the page's DOM one.
declare const self: ServiceWorkerGlobalScope;

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let payload: unknown;
  try {
    payload = event.data?.json();
  } catch {
    payload = undefined; // still shown: a push that shows nothing would be a missed alarm
  }
  const { title, options } = notificationFor(payload);
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const done = handleClick(event.notification.data, event.action);
  event.waitUntil(done);
});

async function handleClick(data: unknown, action: string): Promise<void> {
  const plan = clickPlan(data, action);
  if (plan.acknowledge) {
    // The token in the payload is the credential (a service worker holds no session): it acknowledges this one alert.
    const response = await fetch(plan.acknowledge.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: plan.acknowledge.token }),
      credentials: 'omit',
    }).catch(() => undefined);
    if (response?.ok) return;
  }
  await openWindow(plan.open);
}

/** Focuses an open dashboard and shows the alert there, or opens one. */
async function openWindow(path: string): Promise<void> {
  const url = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const existing = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (existing) {
    const focused = await existing.focus();
    await focused.navigate(url).catch(() => self.clients.openWindow(url));
    return;
  }
  await self.clients.openWindow(url);
}
