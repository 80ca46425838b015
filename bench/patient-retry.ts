/**
 * retrying() (cassandra-node.ts) made for the limiter rows, which a long run exposes to more of
 * the shared node's life: other sessions' tests stop and start it several times an hour, at times
 * for longer than retrying()'s five minutes. A measurement that failed, saw the node's pid change,
 * or got mostly failed answers (the node away while the services answered 503) is measured again
 * once the node answers, up to `attempts` times; the last attempt's figures are kept even when
 * many of its answers failed, since some rows fail under their own load (reported as such).
 */
import type { CassandraNode } from './cassandra-node.js';

export interface PatientOptions {
  attempts: number;
  /** How long to wait for the node to answer again before giving up. */
  waitS: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A measurement whose answers mostly failed: the node was likely away, measure again. */
export class MostlyFailed extends Error {}

export async function patiently<T>(node: CassandraNode, label: string, run: (final: boolean) => Promise<T>, options: PatientOptions = { attempts: 5, waitS: 900 }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const pid = node.pid;
    try {
      const result = await run(attempt >= options.attempts);
      if (node.pid !== pid) throw new Error(`Cassandra restarted during the measurement (pid ${pid} -> ${node.pid})`);
      return result;
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      node.disturbances.push(`${label}: ${reason}${attempt < options.attempts ? '; measured again' : '; gave up'}`);
      if (attempt >= options.attempts) throw error;
      console.log(`bench: ${label} disturbed (${reason}); waiting for Cassandra, then measuring again`);
      await untilAnswering(node, options.waitS);
      // The services' drivers reconnect on their own schedule (0.5-5 s) and prepare again.
      await sleep(10_000);
    }
  }
}

async function untilAnswering(node: CassandraNode, maxS: number): Promise<void> {
  const giveUpAt = Date.now() + maxS * 1000;
  for (;;) {
    try {
      await node.client.execute('SELECT release_version FROM system.local');
      if (Number.isFinite(node.pid)) return;
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
    }
    if (Date.now() > giveUpAt) throw new Error(`Cassandra did not come back within ${maxS} s`);
    await sleep(2_000);
  }
}
