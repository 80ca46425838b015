/**
 * Applies cql/*.cql in name order. Every statement is idempotent (IF NOT EXISTS), so this runs at
 * every start and from `npm run migrate` alike. Needs a client that is not bound to the keyspace,
 * since the first file creates it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type cassandra from 'cassandra-driver';

/** From src/store/cassandra or dist/store/cassandra alike, the repository's cql/ folder. */
export const CQL_DIR = fileURLToPath(new URL('../../../cql/', import.meta.url));

export interface MigrateOptions {
  keyspace: string;
  /** A CQL replication map, e.g. {'class': 'SimpleStrategy', 'replication_factor': 1}. */
  replication: string;
  cqlDir?: string;
}

export async function migrate(client: cassandra.Client, options: MigrateOptions): Promise<string[]> {
  const dir = options.cqlDir ?? CQL_DIR;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const text = await readFile(`${dir}/${file}`, 'utf8');
    for (const statement of statementsOf(text, options)) {
      await client.execute(statement);
    }
    applied.push(file);
  }
  return applied;
}

/** Comments out, placeholders in, split on the semicolons that end statements. */
export function statementsOf(text: string, options: MigrateOptions): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .replaceAll('{{keyspace}}', options.keyspace)
    .replaceAll('{{replication}}', options.replication)
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
