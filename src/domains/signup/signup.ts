/**
 * Self-signup: the protected action of phase 1. Framework-free: the HTTP layer validates the body
 * against signupBodySchema, calls createSignup's function and renders the result.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { invalidRequest } from '../../errors.js';
import { toE164 } from '../../keys/phone.js';
import { canonicalEmail } from '../../keys/email.js';
import type { SignupBody } from './signup-schema.js';

export interface Signup {
  id: string;
  /** E.164. */
  phone: string | null;
  /** Trimmed, NFKC, lower-cased; the plus-tag is kept (it is the user's real address). */
  email: string | null;
  name: string | null;
  createdAtMs: number;
}

/** Where signups are kept: store/memory and store/cassandra implement it. */
export interface SignupRepository {
  create(signup: Signup): Promise<void>;
  get(id: string): Promise<Signup | undefined>;
}

export interface SignupResponse {
  id: string;
  phone: string | null;
  email: string | null;
  createdAt: string;
}

export interface SignupDeps {
  repository: SignupRepository;
  clock: Clock;
  defaultPhoneRegion: string;
}

export function createSignup(deps: SignupDeps): (body: SignupBody) => Promise<SignupResponse> {
  return async (body) => {
    const signup: Signup = {
      id: randomUUID(),
      phone: body.phone === undefined ? null : checked('phone', toE164(body.phone, deps.defaultPhoneRegion)),
      email: body.email === undefined ? null : checked('email', canonicalEmail(body.email, false)),
      name: body.name?.trim() || null,
      createdAtMs: deps.clock(),
    };
    await deps.repository.create(signup);
    return { id: signup.id, phone: signup.phone, email: signup.email, createdAt: new Date(signup.createdAtMs).toISOString() };
  };
}

function checked(field: string, result: { ok: true; value: string } | { ok: false; reason: string }): string {
  if (!result.ok) throw invalidRequest(field, `${field} ${result.reason}`);
  return result.value;
}
