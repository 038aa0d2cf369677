import type { Role } from '$domain/roles';

export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  teams: Array<{ id: string; name: string }>;
}

export type SignedOutReason = 'expired' | 'signedOut' | undefined;

/**
 * A non-secret marker that a refresh cookie was issued (the cookie itself is httpOnly), so a
 * fresh visit does not try a refresh that can only fail.
 */
const MARKER = 'vigil.session';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_SECONDS = 60;

/**
 * Who is signed in. The access token lives only in memory; the refresh token is an httpOnly
 * cookie the script never sees, so a reload restores the session through `refresh()`.
 * Refreshing is silent (a timer before expiry) and shared: concurrent callers wait for one call.
 */
export class SessionState {
  accessToken = $state<string | undefined>();
  me = $state<Me | undefined>();
  /** Set once the first restore attempt has finished, so the shell knows whether to show sign-in. */
  ready = $state(false);
  signedOutReason = $state<SignedOutReason>();

  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<boolean> | undefined;
  #onChange: Array<(signedIn: boolean) => void> = [];

  constructor(
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = globalThis.localStorage,
  ) {}

  get signedIn(): boolean {
    return this.accessToken !== undefined && this.me !== undefined;
  }

  onChange(listener: (signedIn: boolean) => void): () => void {
    this.#onChange.push(listener);
    return () => (this.#onChange = this.#onChange.filter((l) => l !== listener));
  }

  /** After sign-in or refresh: keep the token, schedule the next refresh, load the user. */
  async begin(accessToken: string, expiresIn: number): Promise<void> {
    const wasSignedIn = this.signedIn;
    this.accessToken = accessToken;
    this.signedOutReason = undefined;
    this.storage?.setItem(MARKER, '1');
    this.#schedule(expiresIn);
    if (!this.me) {
      const response = await this.fetcher('/api/auth/me', { headers: { Authorization: `Bearer ${accessToken}` } });
      if (!response.ok) throw new Error(`GET /api/auth/me answered ${response.status}`);
      this.me = (await response.json()) as Me;
    }
    if (!wasSignedIn) for (const listener of this.#onChange) listener(true);
  }

  #schedule(expiresIn: number): void {
    clearTimeout(this.#timer);
    const seconds = Math.max(5, expiresIn - REFRESH_MARGIN_SECONDS);
    this.#timer = setTimeout(() => void this.refresh().then((ok) => ok || this.expire()), seconds * 1000);
  }

  /** A new access token from the refresh cookie; false when the session has ended. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      try {
        const response = await this.fetcher('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
        if (!response.ok) return false;
        const body = (await response.json()) as { accessToken: string; expiresIn: number };
        await this.begin(body.accessToken, body.expiresIn);
        return true;
      } catch {
        return false;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** At start-up: signed in again if the refresh cookie still holds a session. */
  async restore(): Promise<void> {
    if (this.storage?.getItem(MARKER) && !(await this.refresh())) {
      this.storage.removeItem(MARKER);
      this.signedOutReason = 'expired';
    }
    this.ready = true;
  }

  /** The session ended under the user (refresh refused): back to sign-in, saying why. */
  expire(): void {
    if (!this.accessToken) return;
    this.#end('expired');
  }

  async signOut(): Promise<void> {
    const token = this.accessToken;
    this.#end('signedOut');
    await this.fetcher('/api/auth/logout', { method: 'POST', credentials: 'same-origin', headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch(
      () => undefined,
    );
  }

  #end(reason: SignedOutReason): void {
    clearTimeout(this.#timer);
    const wasSignedIn = this.signedIn;
    this.storage?.removeItem(MARKER);
    this.accessToken = undefined;
    this.me = undefined;
    this.signedOutReason = reason;
    if (wasSignedIn) for (const listener of this.#onChange) listener(false);
  }
}

export const session = new SessionState();
