import { describe, expect, it } from 'vitest';
import type { PruneJob, PruneRun } from '../../../src/cli/prune-command.js';
import { memoryService, runBin, runWith, signupRule } from './cli-support.js';

describe('tollgate prune', () => {
  it('runs the service\'s prune job through the bin (exit 0), and exits 3 when the store cannot be reached', async () => {
    const dry = await runBin(['prune', '--dry-run'], {});
    expect(dry.code).toBe(0);
    expect(dry.out.at(-1)).toMatch(/^dry run: would remove 0 calls of 0 rules in \d+ ms$/);
    const unreachable = await runBin(['prune'], { CASSANDRA_CONTACT_POINTS: '127.0.0.1:1', CASSANDRA_CONNECT_TIMEOUT_MS: '1000' });
    expect(unreachable.code).toBe(3);
  });

  it('says so and exits 1 in a build without the job', async () => {
    const { service } = memoryService([signupRule('per-phone', [[5, '1h']])]);
    expect(await runWith(service, ['prune'], {})).toMatchObject({ code: 1, err: expect.arrayContaining(['tollgate prune: prune job not available in this build']) });
  });

  it('hands the job the stores, the rules in force, the clock and --dry-run, and prints its summary', async () => {
    const { service } = memoryService([signupRule('per-phone', [[5, '1h']])]);
    const runs: PruneRun[] = [];
    const job: PruneJob = async (run) => {
      runs.push(run);
      return { summary: [`removed 3 rows of 2 partitions in 12 ms`], details: { removed: 3, partitions: 2 } };
    };
    const dry = await runWith(service, ['prune', '--dry-run'], { pruneJob: job });
    expect(dry).toEqual({ code: 0, out: ['dry run: removed 3 rows of 2 partitions in 12 ms'], err: [expect.stringMatching(/^note: store is the embedded/)] });
    const real = await runWith(service, ['prune', '--json'], { pruneJob: job });
    expect(real.code).toBe(0);
    expect(JSON.parse(real.out.join('\n'))).toEqual({ dryRun: false, details: { removed: 3, partitions: 2 }, summary: ['removed 3 rows of 2 partitions in 12 ms'] });
    expect(runs.map((run) => run.dryRun)).toEqual([true, false]);
    expect(runs[0]!.stores).toBe(service.stores);
    expect(runs[0]!.rules.rules.map((rule) => rule.id)).toEqual(['per-phone']);
    expect(runs[0]!.clock()).toBe(service.clock());
  });

  it('exits 3 when the job cannot reach the store', async () => {
    const { service } = memoryService([signupRule('per-phone', [[5, '1h']])]);
    const run = await runWith(service, ['prune'], { pruneJob: async () => Promise.reject(new Error('All host(s) tried for query failed.\nmore')) });
    expect(run.code).toBe(3);
    expect(run.err.at(-1)).toBe('tollgate: store unreachable: pruning: All host(s) tried for query failed.');
  });
});
