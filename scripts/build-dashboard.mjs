#!/usr/bin/env node
// Builds the operator dashboard (dashboard/) into dist/dashboard/, which the service serves at
// /admin/ (src/http/dashboard-routes.ts): one JavaScript bundle with uPlot inside, one CSS file
// (uPlot's and ours) and index.html. Everything the page loads comes from the service itself.
// Part of `npm run build` (and so of `npm start`); `--out DIR` builds elsewhere.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, 'dist', 'dashboard');

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints: { dashboard: join(root, 'dashboard', 'src', 'main.ts') },
  outdir: outDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
await copyFile(join(root, 'dashboard', 'index.html'), join(outDir, 'index.html'));
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .map(([file, output]) => `${file.split('/').pop()} ${(output.bytes / 1024).toFixed(1)} KiB`);
console.log(`dashboard built in ${outDir}: index.html, ${bytes.join(', ')}`);
