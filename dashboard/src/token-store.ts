/**
 * The admin token lives in sessionStorage only: gone when the tab closes, never in the URL (where
 * history, logs and Referer headers would keep it) and never in localStorage (which outlives the
 * session).
 */

const KEY = 'tollgate.adminToken';

export const tokenStore = {
  get: (): string | undefined => sessionStorage.getItem(KEY) ?? undefined,
  set: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};
