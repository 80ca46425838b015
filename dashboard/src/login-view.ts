/**
 * The two screens before the dashboard: the login form (the token goes to sessionStorage, and a
 * wrong one is reported on the form), and the notice shown when the service has no ADMIN_TOKEN.
 */
import { h, replaceChildren } from './dom.js';

export interface LoginOptions {
  /** Shown above the form (a refused token, an unreachable service). */
  error?: string;
  onToken: (token: string) => void;
}

export function showLogin(root: HTMLElement, options: LoginOptions): void {
  const input = h('input', { type: 'password', attrs: { id: 'token', name: 'token', autocomplete: 'current-password', required: '', placeholder: 'ADMIN_TOKEN', 'aria-label': 'Admin token' } });
  // POST with no action: were the script to fail, submitting still never puts the token in the URL.
  const form = h(
    'form',
    { className: 'login', data: { view: 'login' }, attrs: { method: 'post', action: '#' } },
    h('h1', {}, 'tollgate operator'),
    h('p', {}, 'Sign in with the admin token (ADMIN_TOKEN). It is kept in this tab only.'),
    options.error ? h('p', { className: 'error', data: { role: 'login-error' }, attrs: { role: 'alert' } }, options.error) : null,
    input,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token !== '') options.onToken(token);
  });
  replaceChildren(root, form);
  input.focus();
}

export function showAdminOff(root: HTMLElement): void {
  replaceChildren(
    root,
    h(
      'section',
      { className: 'login', data: { view: 'admin-off' } },
      h('h1', {}, 'tollgate operator'),
      h('p', { className: 'error' }, 'Admin is off on this service: ADMIN_TOKEN is not set.'),
      h('p', {}, 'Start tollgate with ADMIN_TOKEN (24 characters or more) to use this dashboard, e.g. ADMIN_TOKEN=$(openssl rand -hex 24) npm start.'),
    ),
  );
}
