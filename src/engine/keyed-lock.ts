/**
 * A per-partition queue inside one instance. Concurrent decisions for the same caller and rule
 * wait for each other instead of racing compare-and-set writes in Cassandra (which would make
 * lightweight transactions contend and time out under a flood); each one then starts from the
 * state the previous one left in the PartitionCache. Across instances the store's
 * compare-and-set still decides; this only removes local contention.
 */
export interface Lease {
  release(): void;
}

interface Entry {
  tail: Promise<void>;
  holders: number;
}

export class KeyedLock {
  private readonly entries = new Map<string, Entry>();

  /** Waits for the partition; rejects with the signal's reason if it aborts first (the place is still released in order). */
  async acquire(id: string, signal: AbortSignal): Promise<Lease> {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { tail: Promise.resolve(), holders: 0 };
      this.entries.set(id, entry);
    }
    const current = entry;
    current.holders++;
    const previous = current.tail;
    let open!: () => void;
    current.tail = new Promise<void>((resolve) => (open = resolve));
    let released = false;
    const lease: Lease = {
      release: () => {
        if (released) return;
        released = true;
        current.holders--;
        if (current.holders === 0) this.entries.delete(id);
        open();
      },
    };
    try {
      await abortable(previous, signal);
    } catch (error) {
      // Give our place back only when our turn comes, so the order of the queue holds.
      void previous.then(() => lease.release());
      throw error;
    }
    return lease;
  }

  /** Partitions with a holder or waiters (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
