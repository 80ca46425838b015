/**
 * The page's entry: the admin-off notice when the service has no ADMIN_TOKEN, the login form
 * until a token is accepted, then the dashboard. A token is checked with GET /v1/admin/rules
 * before it is kept; 401 shows "wrong token" on the form.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { adminRoutesServed, ApiError, createAdminApi } from './admin-api.js';
import { startDashboard } from './dashboard-view.js';
import { showAdminOff, showLogin } from './login-view.js';
import { tokenStore } from './token-store.js';

const root = document.getElementById('app')!;
let dashboard: { stop(): void } | undefined;

function login(error?: string): void {
  dashboard?.stop();
  dashboard = undefined;
  tokenStore.clear();
  showLogin(root, { ...(error ? { error } : {}), onToken: (token) => void signIn(token) });
}

async function signIn(token: string): Promise<void> {
  const api = createAdminApi(token);
  try {
    await api.rules();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return login('Wrong token: the service refused it (401).');
    if (error instanceof ApiError && error.status === 404) return showAdminOff(root);
    return login(`The service did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  tokenStore.set(token);
  dashboard = startDashboard(root, api, { onUnauthorized: (message) => login(message), onLogout: () => login() });
}

async function boot(): Promise<void> {
  const saved = tokenStore.get();
  if (saved !== undefined) return signIn(saved);
  try {
    if (!(await adminRoutesServed())) return showAdminOff(root);
  } catch {
    return login('The service did not answer. Is tollgate running?');
  }
  login();
}

void boot();
