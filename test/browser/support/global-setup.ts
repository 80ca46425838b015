/**
 * Before the browser tests: build the dashboard as `npm run build` does (into dist/dashboard,
 * where the service serves it from), and fail at once, with the fix, when there is no Chromium.
 */
import { execFileSync } from 'node:child_process';
import { chromiumPath } from './chromium.js';

export default function setup(): void {
  const path = chromiumPath();
  if (typeof path !== 'string') throw new Error(`browser tests need Chromium: ${path.missing}`);
  execFileSync(process.execPath, ['scripts/build-dashboard.mjs'], { stdio: 'inherit' });
}
