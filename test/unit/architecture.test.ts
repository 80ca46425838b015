import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The pure core must stay free of the web framework, the database driver and the scheduler. */
const PURE = ['src/rules', 'src/keys', 'src/engine', 'src/heavy-hitters'];
const INFRASTRUCTURE = /from ['"](koa|@koa\/router|cassandra-driver|node-cron|pino)['"]/;
const FORBIDDEN = new RegExp(`${INFRASTRUCTURE.source}|from ['"]\\.\\.\\/(http|store|jobs|domains)\\/`);
/** Domains are framework-free: no Koa, no driver, and nothing from the layers that use them. */
const DOMAIN_FORBIDDEN = /from ['"](koa|@koa\/router|cassandra-driver|node-cron)['"]|from ['"](\.\.\/)+(http|store|jobs)\//;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
const sources = (dir: string) => filesUnder(dir).filter((f) => f.endsWith('.ts'));

/** Relative imports of a file, as the .ts files they name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from ['"](\.{1,2}\/[^'"]+)\.js['"]/g)].map((m) => normalize(join(dirname(file), `${m[1]}.ts`)));
}

describe('architecture', () => {
  it.each(PURE)('%s imports no infrastructure and no outer layer', (dir) => {
    const files = sources(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => FORBIDDEN.test(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('keeps domains free of Koa, the driver and the http, store and jobs layers', () => {
    const files = sources('src/domains');
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => DOMAIN_FORBIDDEN.test(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('keeps store/ from importing http/', () => {
    expect(sources('src/store').filter((file) => /from ['"](\.\.\/)+http\//.test(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('has no import cycle among the source files', () => {
    const graph = new Map(sources('src').map((file) => [file, importsOf(file)]));
    const cycles: string[][] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file]);
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('lets only the composition roots (main.ts, cli/open-service.ts) build a cassandra-driver Client', () => {
    const builders = filesUnder('src').filter((f) => /new cassandra\.Client\(/.test(readFileSync(f, 'utf8')));
    expect(builders.sort()).toEqual(['src/cli/open-service.ts', 'src/main.ts']);
  });

  it('keeps Date.now() to clock.ts', () => {
    const readers = filesUnder('src').filter((f) => readFileSync(f, 'utf8').includes('Date.now()'));
    expect(readers).toEqual(['src/clock.ts']);
  });
});
