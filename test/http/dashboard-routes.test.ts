import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonOf, startTestApp } from '../support/test-app.js';

/** A stand-in for dist/dashboard: the routes serve whatever the build wrote there. */
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function builtDashboard(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
  made.push(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>tollgate</title>');
  writeFileSync(join(dir, 'dashboard.js'), 'console.log(1);');
  writeFileSync(join(dir, 'dashboard.css'), 'body{}');
  writeFileSync(join(dir, 'notes.txt'), 'not a dashboard file');
  return dir;
}

const TOKEN = 'admin-token-for-tests-0123456789';

describe('dashboard routes', () => {
  it('serve the page at /admin/ with a strict content security policy, with or without ADMIN_TOKEN', async () => {
    for (const adminToken of [TOKEN, undefined]) {
      const app = await startTestApp({ rules: [], dashboardDir: builtDashboard(), ...(adminToken ? { adminToken } : {}) });
      const response = await fetch(`${app.url}/admin/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('<title>tollgate</title>');
      const policy = response.headers.get('content-security-policy')!;
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("connect-src 'self'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('serve the bundle with its content types, and redirect /admin to /admin/', async () => {
    const app = await startTestApp({ rules: [], dashboardDir: builtDashboard() });
    const script = await fetch(`${app.url}/admin/dashboard.js`);
    expect([script.status, script.headers.get('content-type'), await script.text()]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1);']);
    expect((await fetch(`${app.url}/admin/dashboard.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const redirect = await fetch(`${app.url}/admin`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/admin/']);
  });

  it.each([
    ['a file of another type', '/admin/notes.txt'],
    ['a file that is not there', '/admin/missing.js'],
    ['a path out of the folder', '/admin/..%2Fpackage.json'],
    ['a nested path', '/admin/x/dashboard.js'],
  ])('answer 404 for %s', async (_, path) => {
    const app = await startTestApp({ rules: [], dashboardDir: builtDashboard() });
    const response = await fetch(`${app.url}${path}`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
  });

  it('say how to build the dashboard when it is not built', async () => {
    const app = await startTestApp({ rules: [], dashboardDir: join(tmpdir(), 'tollgate-dashboard-never-built') });
    const response = await fetch(`${app.url}/admin/`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.message).toContain('npm run build');
  });

  it('are not operations of the API document', async () => {
    const app = await startTestApp({ rules: [], adminToken: TOKEN });
    const document = await jsonOf(await fetch(`${app.url}/openapi.json`));
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
  });
});
