#!/usr/bin/env node
/**
 * `tollgate` (`npx tollgate <command>`, `npm run tollgate -- <command>`): runs the CLI from the
 * sources through tsx when both are here, as in a checkout after `npm install` or `npm ci`,
 * so it never runs a stale build; otherwise the build, dist/cli/main.js (`npm run build`), as
 * in an image whose dev dependencies were pruned.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

function resolves(specifier) {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(fileURLToPath(source)) && resolves('tsx/esm/api')) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write('tollgate: found neither the sources with tsx (npm install) nor a build (npm run build)\n');
  process.exitCode = 1;
}
