/**
 * Routing on real URLs (the History API): every screen has an address that survives a reload
 * and the back button. Routes are patterns with `:name` segments; `match` is pure.
 */
export type RouteName = 'overview' | 'patient' | 'signIn' | 'inbox' | 'alert' | 'notifications' | 'results' | 'admin' | 'notFound';

const ROUTES: ReadonlyArray<{ name: RouteName; pattern: string }> = [
  { name: 'overview', pattern: '/' },
  { name: 'signIn', pattern: '/sign-in' },
  { name: 'patient', pattern: '/patients/:id' },
  { name: 'inbox', pattern: '/alerts' },
  { name: 'alert', pattern: '/alerts/:id' },
  { name: 'notifications', pattern: '/settings/notifications' },
  { name: 'results', pattern: '/results' },
  { name: 'admin', pattern: '/admin' },
  { name: 'admin', pattern: '/admin/:section' },
];

export interface Match {
  name: RouteName;
  params: Record<string, string>;
}

export function match(pathname: string): Match {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.pattern.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((segment, i) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return segment === parts[i];
    });
    if (ok) return { name: route.name, params };
  }
  return { name: 'notFound', params: {} };
}

export class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  route = $derived(match(this.path));

  constructor() {
    addEventListener('popstate', () => this.#sync());
  }

  #sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }

  navigate(to: string, options: { replace?: boolean } = {}): void {
    if (to === location.pathname + location.search) return;
    if (options.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.#sync();
    window.scrollTo(0, 0);
  }
}

export const router = new Router();

/** For `<a href onclick={link}>`: client-side navigation, but a real link for new tabs and middle clicks. */
export function link(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (anchor.origin !== location.origin) return;
  event.preventDefault();
  router.navigate(anchor.pathname + anchor.search);
}
