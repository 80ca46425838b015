/**
 * Headless Chromium for the browser tests: Debian's `chromium` package (scripts/install-chromium.sh
 * installs it), driven by puppeteer-core, which never downloads a browser of its own.
 * CHROMIUM_PATH names another binary.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import puppeteer, { type Browser } from 'puppeteer-core';

/** The Chromium binary, or a message saying how to install one. */
export function chromiumPath(): string | { missing: string } {
  const named = process.env.CHROMIUM_PATH;
  if (named) return existsSync(named) ? named : { missing: `CHROMIUM_PATH=${named} does not exist` };
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return { missing: 'no chromium on PATH: run scripts/install-chromium.sh (apt-get install chromium), or set CHROMIUM_PATH' };
  }
}

export async function launchChromium(): Promise<Browser> {
  const path = chromiumPath();
  if (typeof path !== 'string') throw new Error(path.missing);
  return puppeteer.launch({
    executablePath: path,
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}
