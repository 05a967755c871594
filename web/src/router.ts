import { useEffect, useState } from 'preact/hooks';

/** Paths under /app, routed in the page with the history API (the server answers every one with the app). */
export const BASE = '/app';

export function navigate(to: string): void {
  history.pushState(null, '', `${BASE}${to}`);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

function currentPath(): string {
  const rest = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return rest.replace(/\/+$/, '') || '/';
}

/** Matches `/projects/:projectId/passes` style patterns; numeric segments come back as numbers. */
export function match(pattern: string, path: string): Record<string, number> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, number> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!/^\d+$/.test(got[i])) return null;
      params[want[i].slice(1)] = Number(got[i]);
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** A link that routes in the page (ctrl/middle click still open a tab). */
export function onLink(e: MouseEvent, to: string): void {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(to);
}
