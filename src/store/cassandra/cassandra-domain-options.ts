/** What every Cassandra repository of a domain is given besides its connected client. */
export interface CassandraDomainOptions {
  keyspace: string;
  /** Consistency of reads and writes (LOCAL_QUORUM by default). */
  consistency: number;
  /** Serial consistency of conditional writes (LOCAL_SERIAL by default). */
  serialConsistency: number;
  /** Per-request timeout. */
  timeoutMs: number;
}
