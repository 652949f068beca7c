import { useSyncExternalStore } from 'react';

/** The screen part of the address: /console/<screen>. Query strings carry no secrets, only search terms. */
function current(): string {
  return window.location.pathname.replace(/^\/console\/?/, '').split('/')[0] ?? '';
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(path: string): void {
  window.history.pushState(null, '', `/console/${path}`);
  listeners.forEach((l) => l());
  // Move focus to the new screen's content, as a page load would.
  requestAnimationFrame(() => document.getElementById('main')?.focus());
}

export function usePath(): string {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    current,
  );
}
