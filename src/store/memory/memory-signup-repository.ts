/** Signups in memory, for `npm start` without Cassandra. Lost on restart, as announced at start. */
import type { Signup, SignupRepository } from '../../domains/signup/signup.js';

export class MemorySignupRepository implements SignupRepository {
  private readonly signups = new Map<string, Signup>();

  async create(signup: Signup): Promise<void> {
    this.signups.set(signup.id, { ...signup });
  }

  async get(id: string): Promise<Signup | undefined> {
    const signup = this.signups.get(id);
    return signup && { ...signup };
  }
}
