/** Signups in the signups table; prepared statements at the configured consistency. */
import cassandra from 'cassandra-driver';
import type { Signup, SignupRepository } from '../../domains/signup/signup.js';
import { TollgateError } from '../../errors.js';

/** Cassandra unreachable, too few replicas, or too slow: the caller may retry, it is not a bug. */
function unavailable(cause: unknown): TollgateError {
  return new TollgateError('SERVICE_UNAVAILABLE', 'Signups cannot be stored right now; try again shortly.', { headers: { 'Retry-After': '1' }, cause });
}

export class CassandraSignupRepository implements SignupRepository {
  private readonly insertQuery: string;
  private readonly selectQuery: string;

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
    private readonly consistency: number,
    private readonly timeoutMs: number,
  ) {
    this.insertQuery = `INSERT INTO ${keyspace}.signups (id, phone, email, name, created_at) VALUES (?, ?, ?, ?, ?)`;
    this.selectQuery = `SELECT id, phone, email, name, created_at FROM ${keyspace}.signups WHERE id = ?`;
  }

  async create(signup: Signup): Promise<void> {
    try {
      await this.client.execute(
        this.insertQuery,
        [cassandra.types.Uuid.fromString(signup.id), signup.phone, signup.email, signup.name, new Date(signup.createdAtMs)],
        { prepare: true, consistency: this.consistency, readTimeout: this.timeoutMs, isIdempotent: true },
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  async get(id: string): Promise<Signup | undefined> {
    const result = await this.client.execute(this.selectQuery, [cassandra.types.Uuid.fromString(id)], {
      prepare: true,
      consistency: this.consistency,
      readTimeout: this.timeoutMs,
      isIdempotent: true,
    });
    const row = result.first();
    if (!row) return undefined;
    return {
      id: row.get('id').toString(),
      phone: row.get('phone'),
      email: row.get('email'),
      name: row.get('name'),
      createdAtMs: (row.get('created_at') as Date).getTime(),
    };
  }
}
