/**
 * The operator dashboard's static files at /admin/, on the service port: index.html and the
 * bundle that scripts/build-dashboard.mjs writes to dist/dashboard/ (part of `npm run build`).
 * The page itself is public — it holds no data; every number it shows comes from the admin routes,
 * which it calls with the ADMIN_TOKEN the operator signs in with. Without ADMIN_TOKEN the page is
 * still served and says that admin is off (its probe of /v1/admin/rules answers 404).
 *
 * These routes are not in /openapi.json: they serve a page, not the API.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { TollgateError } from '../errors.js';

export const DASHBOARD_PATH = '/admin/';

/**
 * Where the build puts the files: the same folder from src/http (tsx, tests) and from dist/http
 * (`npm start`), since both sit two levels below the project root.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Only the files the build writes: a flat folder, names without "/" or "..". */
const FILE_NAME = /^[a-z0-9-]+(\.[a-z]+)+$/;

/**
 * The page loads nothing from elsewhere, runs no inline script and talks only to this service,
 * so a policy this strict costs nothing and stops an injected script from sending the token away.
 */
const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Rebuilt files take effect on the next load; the files are small.
  'Cache-Control': 'no-cache',
};

export function addDashboardRoutes(router: Router, dir: string): void {
  router.get('/admin', (ctx) => {
    ctx.status = 308;
    ctx.set('Location', DASHBOARD_PATH);
    ctx.body = '';
  });
  router.get(DASHBOARD_PATH, (ctx) => serve(ctx, dir, 'index.html'));
  router.get(`${DASHBOARD_PATH}:file`, (ctx) => serve(ctx, dir, ctx.params.file ?? ''));
}

async function serve(ctx: Context, dir: string, file: string): Promise<void> {
  const type = TYPES[extname(file)];
  if (!FILE_NAME.test(file) || type === undefined) throw new TollgateError('NOT_FOUND', `No dashboard file ${file}`);
  let content: Buffer;
  try {
    content = await readFile(join(dir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const hint = file === 'index.html' ? ': the dashboard is not built (npm run build builds it)' : '';
    throw new TollgateError('NOT_FOUND', `No dashboard file ${file}${hint}`);
  }
  ctx.set(HEADERS);
  ctx.type = type;
  ctx.body = content;
}
