/**
 * A dashboard tab under watch: every request it makes (URL and Authorization header), and every
 * script error or Content-Security-Policy violation it reports. Plus a reader of what a chart's
 * canvas actually shows.
 */
import type { Browser, Page } from 'puppeteer-core';

export interface PageWatch {
  requests(): Array<{ url: string; authorization: string | undefined }>;
  urls(): string[];
  /** Script errors and console errors, less the browser's note of each 4xx answer (the page expects some). */
  problems(): string[];
}

export async function openPage(browser: Browser, url: string): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1360, height: 900 });
  const requests: Array<{ url: string; authorization: string | undefined }> = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
  page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of 4')) problems.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return {
    page,
    watch: { requests: () => [...requests], urls: () => requests.map((r) => r.url), problems: () => [...problems] },
  };
}

/**
 * Waits until a colour is drawn on a chart's canvas rising at least `minRise` pixel rows off its
 * lowest point: a line that stays at zero runs flat along the bottom of the plot, one with data
 * rises. Resolves with the rise; fails with the last one seen.
 */
export async function waitForRise(page: Page, chart: string, hex: string, minRise: number): Promise<number> {
  try {
    const handle = await page.waitForFunction(risenBy, { timeout: 20_000, polling: 200 }, chart, hex, minRise);
    return (await handle.jsonValue()) as number;
  } catch (error) {
    const seen = await page.evaluate(risenBy, chart, hex, -1);
    throw new Error(`the ${hex} line of the ${chart} chart did not rise ${minRise} rows (it rose ${String(seen)}): ${(error as Error).message}`);
  }
}

/** In the page: the rise of the colour on the chart's canvas if above `minRise`, else false. */
function risenBy(chart: string, colour: string, minRise: number): number | false {
  const canvas = document.querySelector<HTMLCanvasElement>(`[data-chart="${chart}"] canvas`);
  if (!canvas) return false;
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];
  let top = Infinity;
  let bottom = -Infinity;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3]! < 200 || Math.abs(data[i]! - r) > 30 || Math.abs(data[i + 1]! - g) > 30 || Math.abs(data[i + 2]! - b) > 30) continue;
    const row = Math.floor(i / 4 / canvas.width);
    top = Math.min(top, row);
    bottom = Math.max(bottom, row);
  }
  const rise = bottom - top;
  return rise > minRise ? rise : false;
}
