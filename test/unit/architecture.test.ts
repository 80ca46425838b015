import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The pure core must stay free of the web framework, the database driver and the scheduler. */
const PURE = ['src/rules', 'src/keys', 'src/engine'];
const FORBIDDEN = /from ['"](koa|@koa\/router|cassandra-driver|node-cron|pino)['"]|from ['"]\.\.\/(http|store|jobs|domains)\//;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

describe('architecture', () => {
  it.each(PURE)('%s imports no infrastructure and no outer layer', (dir) => {
    const files = filesUnder(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.filter((file) => FORBIDDEN.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('lets only main.ts build a cassandra-driver Client', () => {
    const builders = filesUnder('src').filter((f) => /new cassandra\.Client\(/.test(readFileSync(f, 'utf8')));
    expect(builders).toEqual(['src/main.ts']);
  });

  it('keeps Date.now() to clock.ts', () => {
    const readers = filesUnder('src').filter((f) => readFileSync(f, 'utf8').includes('Date.now()'));
    expect(readers).toEqual(['src/clock.ts']);
  });
});
