import { defineConfig } from 'vitest/config';
import { isControlConnectionRace } from './src/store/cassandra/driver-races.js';

/**
 * Two projects: "unit" needs nothing but Node (pure core, HTTP through app.callback(), the
 * contract suite on the memory store); "browser" drives the operator dashboard in headless
 * Chromium and fails (never skips) without one; "cassandra" runs against a real node, which its
 * global setup starts with scripts/cassandra.mjs when none answers, and fails (never skips) without.
 */
export default defineConfig({
  test: {
    // The one driver race that main.ts also survives (src/store/cassandra/driver-races.ts): the
    // fault suites provoke it by cutting the node's connections. Every other error still fails.
    onUnhandledError: (error) => !isControlConnectionRace(error),
    projects: [
      {
        test: {
          name: 'unit',
          // Run first and apart from the Cassandra project (which has its own worker limit).
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts', 'test/http/**/*.test.ts', 'test/contract/memory-*.test.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          // After unit, before the Cassandra projects: the service on its embedded store, driven by
          // headless Chromium (scripts/install-chromium.sh); the global setup builds the dashboard.
          sequence: { groupOrder: 1 },
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/support/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          name: 'cassandra',
          sequence: { groupOrder: 2 },
          include: ['test/cassandra/**/*.test.ts', 'test/contract/cassandra-*.test.ts'],
          globalSetup: ['test/support/cassandra-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The node is shared by every file; two at a time keeps a 2-core box responsive.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'outage',
          // Stops and starts the shared node: last, and alone.
          sequence: { groupOrder: 3 },
          include: ['test/outage/**/*.test.ts'],
          globalSetup: ['test/support/cassandra-global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
