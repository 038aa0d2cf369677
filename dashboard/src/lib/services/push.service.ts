import { failureMessage, requestJson } from '../api/client.js';
import { deviceLabel, isIos } from '../domain/inbox.js';

/**
 * Web Push on this device: the service worker (src/sw/), the browser's subscription with the
 * server's VAPID key, and the user's devices on the server (their settings). Which subscription
 * on the server is this device's is remembered locally by its id.
 */

/** Whether alerts reach this device when Vigil is closed, and if not, why. */
export type PushStatus =
  | 'on'
  /** The browser has no service workers or no Push API (or an iPhone's Safari outside a home-screen app). */
  | 'unsupported'
  | 'iosNotInstalled'
  /** This server sends no Web Push (no VAPID keys configured). */
  | 'serverOff'
  /** The user blocked notifications for Vigil in the browser. */
  | 'denied'
  /** Possible, but not set up on this device (or removed from the user's settings). */
  | 'off';

export interface PushDevice {
  id: string;
  label: string;
  service: string;
  createdAt: string;
}

const LOCAL_ID = 'vigil.push.subscription';
const WORKER = import.meta.env.DEV ? '/src/sw/sw.ts' : '/sw.js';

function supported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function standalone(): boolean {
  return matchMedia('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}

/** Registers the service worker (also what makes the app installable with its manifest); resolves once it is active. */
export async function registerWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  await navigator.serviceWorker.register(WORKER, { scope: '/', type: import.meta.env.DEV ? 'module' : 'classic' });
  return navigator.serviceWorker.ready;
}

export function publicKey() {
  return requestJson<{ publicKey: string | null }>('/api/push/public-key');
}

export function listDevices() {
  return requestJson<{ subscriptions: PushDevice[] }>('/api/push/subscriptions');
}

export function thisDeviceId(): string | null {
  return localStorage.getItem(LOCAL_ID);
}

export async function pushStatus(): Promise<PushStatus> {
  if (!supported()) return isIos(navigator.userAgent, navigator.maxTouchPoints) && !standalone() ? 'iosNotInstalled' : 'unsupported';
  const key = await publicKey();
  if (!key.data?.publicKey) return 'serverOff';
  if (Notification.permission === 'denied') return 'denied';
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  const id = thisDeviceId();
  if (!subscription || !id || Notification.permission !== 'granted') return 'off';
  const devices = await listDevices();
  return devices.data?.subscriptions.some((d) => d.id === id) ? 'on' : 'off';
}

/** The VAPID key as the Push API takes it (base64url → bytes). */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Asks for permission (call from a tap), subscribes this browser and stores the subscription for the user. */
export async function enablePush(): Promise<PushStatus | { error: string }> {
  if (!supported()) return pushStatus();
  const key = await publicKey();
  if (!key.data?.publicKey) return 'serverOff';
  if ((await Notification.requestPermission()) !== 'granted') return 'denied';
  try {
    const registration = await registerWorker();
    if (!registration) return 'unsupported';
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.data.publicKey) }));
    const json = subscription.toJSON();
    const stored = await requestJson<{ id: string }>('/api/push/subscriptions', {
      method: 'POST',
      body: JSON.stringify({ endpoint: json.endpoint, keys: json.keys, label: deviceLabel(navigator.userAgent) }),
    });
    if (stored.error) return { error: stored.error.message };
    localStorage.setItem(LOCAL_ID, stored.data!.id);
    return 'on';
  } catch (error) {
    return { error: failureMessage(error) };
  }
}

/** Removes a device from the user's settings; this device's own also unsubscribes the browser. */
export async function removeDevice(id: string) {
  const result = await requestJson<undefined>(`/api/push/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  // Gone from the server (now or before): the browser need not keep its subscription either.
  if ((!result.error || result.error.status === 404) && id === thisDeviceId()) await unsubscribeHere();
  return result;
}

async function unsubscribeHere(): Promise<void> {
  localStorage.removeItem(LOCAL_ID);
  const registration = await navigator.serviceWorker?.getRegistration('/');
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
}

/**
 * At sign-out: this device stops receiving the user's alerts (a shared ward PC must not show the
 * next person the last one's notifications, nor let them acknowledge in that name). An ended
 * session does not do this: a phone whose session ran out overnight keeps ringing.
 */
export async function forgetThisDevice(): Promise<void> {
  const id = thisDeviceId();
  if (id) await removeDevice(id).catch(() => undefined);
}
