/**
 * TimedCallLog: a CallLog that tells how long each store operation took and whether it failed,
 * for tollgate_store_operation_seconds. compose.ts puts it between the throttle (and the limit
 * admin) and the store, so the engine and the stores stay free of metrics. A compare-and-set that
 * did not apply is an answer, so `ok`; a thrown error (a timeout, an unavailable node) is `error`.
 */
import type { AppendManyResult, AppendResult, CallLog, LogState, PartitionKey, StoreCallOptions } from '../engine/call-log.js';

export type StoreOperation = 'read' | 'append' | 'append_many' | 'remove' | 'reset';
export type StoreOperationOutcome = 'ok' | 'error';

/** Told every finished store operation. */
export type StoreObserver = (operation: StoreOperation, outcome: StoreOperationOutcome, seconds: number) => void;

export class TimedCallLog implements CallLog {
  constructor(
    private readonly inner: CallLog,
    private readonly observe: StoreObserver,
  ) {}

  read(partition: PartitionKey, sinceMs: number, limit: number, options: StoreCallOptions): Promise<LogState> {
    return this.timed('read', () => this.inner.read(partition, sinceMs, limit, options));
  }

  append(partition: PartitionKey, expectedVersion: number, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<AppendResult> {
    return this.timed('append', () => this.inner.append(partition, expectedVersion, atMs, ttlSeconds, options));
  }

  appendMany(partition: PartitionKey, expectedVersion: number, atMs: readonly number[], ttlSeconds: number, options: StoreCallOptions): Promise<AppendManyResult> {
    return this.timed('append_many', () => this.inner.appendMany(partition, expectedVersion, atMs, ttlSeconds, options));
  }

  remove(partition: PartitionKey, callId: string, ttlSeconds: number, options: StoreCallOptions): Promise<void> {
    return this.timed('remove', () => this.inner.remove(partition, callId, ttlSeconds, options));
  }

  reset(partition: PartitionKey, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<void> {
    return this.timed('reset', () => this.inner.reset(partition, atMs, ttlSeconds, options));
  }

  private timed<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    // A monotonic clock for durations: the service Clock is for decisions, and a test's manual clock does not move by itself.
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      // A store that throws before returning its promise failed all the same.
      this.observe(operation, 'error', seconds());
      throw error;
    }
    return pending.then(
      (result) => {
        this.observe(operation, 'ok', seconds());
        return result;
      },
      (error: unknown) => {
        this.observe(operation, 'error', seconds());
        throw error;
      },
    );
  }
}
