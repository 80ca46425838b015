import { invalidRequest, TollgateError } from '../../errors.js';

/**
 * What other components (an SBC, an Envoy proxy) ask tollgate without going through a protected
 * handler: POST /v1/throttle/check (http/api/decision-routes.ts) and Envoy's RateLimitService
 * over gRPC (grpc/). Both call one DecisionService (domains/decisions/create-decision-service.ts).
 */

/** A SIP message an SBC is about to accept: counted against the rate-limit documents. */
export type PacketKind = 'registration' | 'invite' | 'packet';

export interface PacketCheck {
  account: string;
  device?: string;
  kind: PacketKind;
  /** The source address (recorded in decision events only as its HMAC). */
  ip?: string;
  /** How many messages (default 1). */
  count?: number;
}

/** The rule engine without a protected handler: the rules of `api` (a route pattern), with keys given directly. */
export interface GenericCheck {
  api: string;
  /** Default POST. */
  method?: string;
  /** Key parts by their rule spelling ("body.phone", "ip", "param.accountId", "header.x-device-id"). */
  keys: Record<string, string>;
  /** Tokens for bucket rules (default: the rule's token_costs). */
  cost?: number;
}

export interface DecisionAnswer {
  allowed: boolean;
  /** The binding limit (the one that refused, else the one closest to refusing); 0 when no limit applies. */
  limit: number;
  remaining: number;
  /** Seconds until a refused request would fit (0 when allowed). */
  retryAfter: number;
  /** The id of the binding rule or document limit ("rate_limits:device:invites:per_second"); null when none applies. */
  rule: string | null;
  /** Seconds until the binding limit is whole again (Envoy's duration_until_reset). */
  resetAfter: number;
  /** The binding limit's window in seconds (1 for per_second, 60 for per_minute). */
  windowSeconds: number;
}

export interface DecisionService {
  checkPacket(check: PacketCheck): Promise<DecisionAnswer>;
  checkGeneric(check: GenericCheck): Promise<DecisionAnswer>;
  /**
   * Throws the INVALID_REQUEST checkGeneric would (a key that does not normalise), counting
   * nothing: a batch checks every check first, so one bad check leaves the others uncounted.
   */
  validateGeneric?(check: GenericCheck): void;
}

/**
 * Decides checks together as a batch: every generic check is validated first (the error names
 * its place, `checks[i].keys...`), and only then are all decided, concurrently.
 */
export async function checkAll(service: DecisionService, checks: ReadonlyArray<PacketCheck | GenericCheck>): Promise<DecisionAnswer[]> {
  checks.forEach((check, i) => {
    if ('account' in check) return;
    try {
      service.validateGeneric?.(check);
    } catch (error) {
      if (error instanceof TollgateError && error.code === 'INVALID_REQUEST' && error.field !== undefined) throw invalidRequest(`checks[${i}].${error.field}`, `checks[${i}]: ${error.message}`);
      throw error;
    }
  });
  return Promise.all(checks.map((check) => ('account' in check ? service.checkPacket(check) : service.checkGeneric(check))));
}
