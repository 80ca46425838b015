/**
 * The operator dashboard in headless Chromium against the service as `npm start` runs it (the
 * embedded store, the shipped rules): sign in, watch the charts draw real traffic, flood one
 * phone number until signup-per-phone refuses it, find it at the top of the heavy hitters, reset
 * it with one click, and see its next signup admitted. The screenshot goes to .cache/dashboard.png,
 * or to DASHBOARD_SCREENSHOT (docs/dashboard.png refreshes the README's picture).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyHasher } from '../../src/keys/key-hasher.js';
import { postJson, startTestApp } from '../support/test-app.js';
import { launchChromium } from './support/chromium.js';
import { startService, type ServiceProcess } from './support/service-process.js';
import { openPage, waitForRise } from './support/dashboard-page.js';

const TOKEN = 'operator-token-for-the-browser-test-01';
const KEY_SECRET = 'browser-test-key-secret-0123456789abcdef';
const FLOODED = '+14155550199';
const FLOODED_CALLER = createKeyHasher(KEY_SECRET).hash(FLOODED);
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ?? '.cache/dashboard.png';
const COLOURS = { admitted: '#16a34a', limited: '#dc2626' };

let service: ServiceProcess;
let browser: Browser;

beforeAll(async () => {
  [service, browser] = await Promise.all([startService({ ADMIN_TOKEN: TOKEN, KEY_SECRET, TOP_K_PUBLISH_INTERVAL_SECONDS: '1' }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

const signup = async (phone: string) => (await postJson(`${service.url}/v1/signup`, { phone })).status;

async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('[data-view="login"]');
  await page.type('#token', token);
  await page.click('button[type="submit"]');
}

describe('operator dashboard in Chromium', () => {
  it('says that admin is off when the service has no ADMIN_TOKEN', async () => {
    const app = await startTestApp({ rules: [] });
    const { page, watch } = await openPage(browser, `${app.url}/admin/`);
    await page.waitForSelector('[data-view="admin-off"]');
    expect(await page.$eval('[data-view="admin-off"]', (e) => e.textContent)).toContain('ADMIN_TOKEN is not set');
    expect(await page.$('#token')).toBeNull();
    expect(watch.problems()).toEqual([]);
    await page.close();
  });

  it('refuses a wrong token on the form, and keeps the right one in sessionStorage, never in the URL', async () => {
    const { page, watch } = await openPage(browser, `${service.url}/admin/`);
    await signIn(page, 'not-the-admin-token-at-all-0000');
    await page.waitForSelector('[data-role="login-error"]');
    expect(await page.$eval('[data-role="login-error"]', (e) => e.textContent)).toContain('Wrong token');
    await signIn(page, TOKEN);
    await page.waitForSelector('[data-view="dashboard"]');
    expect(await page.evaluate(() => [sessionStorage.getItem('tollgate.adminToken'), localStorage.length])).toEqual([TOKEN, 0]);
    // A reload stays signed in (same tab); signing out forgets the token.
    await page.reload();
    await page.waitForSelector('[data-view="dashboard"]');
    await page.click('[data-action="logout"]');
    await page.waitForSelector('[data-view="login"]');
    expect(await page.evaluate(() => sessionStorage.getItem('tollgate.adminToken'))).toBeNull();
    expect(watch.urls().filter((url) => url.includes(TOKEN))).toEqual([]);
    expect(watch.problems()).toEqual([]);
    await page.close();
  });

  it('shows traffic, finds a flooded phone number at the top of the heavy hitters, and resets it with one click', async () => {
    const { page, watch } = await openPage(browser, `${service.url}/admin/`);
    await signIn(page, TOKEN);
    await page.waitForSelector('[data-view="dashboard"]');

    // Ordinary traffic: ten people sign up once each, and the outcomes chart draws it.
    for (let i = 0; i < 10; i++) expect(await signup(`+1415555${1000 + i}`)).toBe(201);
    expect(await waitForRise(page, 'outcomes', COLOURS.admitted, 20)).toBeGreaterThan(20);

    // One number floods signups: 5 an hour are admitted, the rest refused.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await signup(FLOODED));
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    await page.waitForFunction(() => document.querySelector('[data-chart="refusals"] .u-legend')?.textContent?.includes('signup-per-phone') === true, { timeout: 20_000 });
    expect(await waitForRise(page, 'outcomes', COLOURS.limited, 5)).toBeGreaterThan(5);
    expect(Number(await page.$eval('[data-chart="refusals"]', (e) => (e as HTMLElement).dataset.peak))).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelector('[data-rule="signup-per-phone"] [data-field="refused"]')?.textContent === '3', { timeout: 20_000 });

    // The heavy hitters of signup-per-phone: the flooded number first among the refused, by its hash.
    await page.select('[data-role="top-rule"]', 'signup-per-phone');
    const row = `[data-role="top-refused"] tr[data-caller="${FLOODED_CALLER}"]`;
    await page.waitForFunction((selector) => document.querySelector(selector)?.querySelector('td:nth-child(3)')?.textContent === '3', { timeout: 20_000 }, row);
    expect(await page.$eval('[data-role="top-refused"] tbody tr', (e) => (e as HTMLElement).dataset.caller)).toBe(FLOODED_CALLER);
    expect(await page.$eval('[data-role="top-admitted"] tbody tr', (e) => [(e as HTMLElement).dataset.caller, e.querySelector('td:nth-child(3)')?.textContent])).toEqual([FLOODED_CALLER, '5']);
    expect(await page.content()).not.toContain(FLOODED);

    // An operator told "my number is blocked" finds it by the number, in any spelling: its row is marked.
    await page.type('[data-role="find-key"]', '(415) 555-0199');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-role="top-refused"] tr.marked[data-caller="${FLOODED_CALLER}"]`);

    await page.click(`${row} [data-action="inspect"]`);
    await page.waitForSelector('[data-role="next"][data-next="denied"]');
    await page.click(`${row} [data-action="reset"]`);
    await page.waitForSelector('[data-role="reset-done"]');
    await page.waitForSelector('[data-role="next"][data-next="admitted"]');
    expect(await signup(FLOODED)).toBe(201);

    // Every call to the service carried the token in the Authorization header, none in a URL.
    const [probe, ...calls] = watch.requests().filter((r) => /\/(v1\/admin\/|metrics|healthz)/.test(r.url));
    // Before sign-in the page only asks whether admin is on at all (401, not 404), without a token.
    expect(probe).toEqual({ url: `${service.url}/v1/admin/rules`, authorization: undefined });
    expect(calls.map((r) => r.url.replace(/\?.*/, '').replace(service.url, ''))).toEqual(expect.arrayContaining(['/metrics', '/healthz', '/v1/admin/rules', '/v1/admin/top', '/v1/admin/limits', '/v1/admin/limits/reset']));
    expect(calls.filter((r) => r.authorization !== `Bearer ${TOKEN}`)).toEqual([]);
    expect(watch.urls().filter((url) => url.includes(TOKEN) || !url.startsWith(service.url))).toEqual([]);
    expect(watch.problems()).toEqual([]);

    await page.waitForFunction(() => document.querySelector('[data-role="updated"]')?.textContent?.startsWith('updated') === true);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });
    await page.close();
  });
});
