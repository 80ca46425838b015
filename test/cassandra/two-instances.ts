/**
 * Two (or more) tollgate instances on the real node, as two processes would be: each its own
 * cassandra-driver client, its own stores, its own composed app (limiters, caches, fast counts),
 * sharing nothing but the keyspace. Used by the *-on-cassandra tests of the limiter kinds.
 */
import type cassandra from 'cassandra-driver';
import { afterAll } from 'vitest';
import { connectTestClient, testStores } from '../support/cassandra.js';
import { TEST_SETTINGS, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { startVoiceApp } from '../support/voice.js';

const clients: cassandra.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
});

/** One more instance: a fresh client and a fresh app on it (nothing in memory from any other). */
export async function startInstance(options: Partial<TestAppOptions>, name: string): Promise<TestApp> {
  const client = await connectTestClient();
  clients.push(client);
  // A generous deadline: dozens of decisions queue per instance behind one partition's Paxos rounds.
  return startVoiceApp({ deadlineMs: 30_000, ...options, instanceId: name, stores: testStores(client) });
}

/** `count` instances with the same options, started one after the other. */
export async function startInstances(options: Partial<TestAppOptions>, count = 2): Promise<TestApp[]> {
  const apps: TestApp[] = [];
  for (let i = 0; i < count; i++) apps.push(await startInstance(options, `instance-${i}`));
  return apps;
}

/** Requests sent at once: request i goes to instance i modulo the number of instances. */
export function atOnce<T>(apps: readonly TestApp[], n: number, send: (app: TestApp, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(apps[i % apps.length]!, i)));
}

/**
 * Waits, in real time, past SLOT_REFUSAL_MEMORY_MS (the test settings' by default) and a margin:
 * no instance then remembers a slot partition it found full before the wait, so a slot freed
 * through one instance is taken at once through any other. No timing is asserted, only outlasted.
 */
export function outlastRefusalMemory(memoryMs = TEST_SETTINGS.slotRefusalMemoryMs): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, memoryMs + 50));
}

/** How many times each value occurs, as a sorted list of [value, count]. */
export function tally(values: ReadonlyArray<string | null>): Array<[string | null, number]> {
  const counts = new Map<string | null, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)));
}
