/**
 * composeDomains: the call-control domains (CDRs, conferences, calls and their services,
 * devices, rate-limit documents, the decision API) and their routes, for composeApp
 * (compose.ts). A part of the one composition, in its own file because it changes when a domain
 * is added, while compose.ts changes when the service's plumbing does (throttle, metrics, the app).
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Stores } from './stores.js';
import { SLOT_TIMEOUT_MS, type Limiters } from './compose-limiters.js';
import type { RuleIndex } from './engine/rule-index.js';
import type { KeyHasher } from './keys/key-hasher.js';
import type { ApiRoute } from './http/api-route.js';
import type { PageTokens } from './domains/shared/page-token.js';
import type { SlotLeases } from './domains/shared/slot-leases.js';
import type { DecisionService } from './domains/decisions/decision-service.js';
import { createCdrs } from './domains/cdrs/cdrs.js';
import { cdrRoutes } from './http/api/cdr-routes.js';
import { createConferences } from './domains/conferences/conferences.js';
import { conferenceRoutes } from './http/api/conference-routes.js';
import { createCallDomain, type CallDomainDeps } from './domains/calls/call-domain.js';
import { callRoutes } from './http/api/call-routes.js';
import { callServiceRoutes } from './http/api/call-service-routes.js';
import { createDecisionService } from './domains/decisions/create-decision-service.js';
import { decisionRoutes } from './http/api/decision-routes.js';
// domain imports (one line per domain)
import { createDevices } from './domains/devices/devices.js';
import { deviceRoutes } from './http/api/device-routes.js';
import { createRateLimits } from './domains/rate-limits/rate-limits.js';
import { rateLimitRoutes } from './http/api/rate-limit-routes.js';

export interface DomainOptions {
  /** What the call domain reads of the settings (its prices, callback hosts, default region). */
  settings: CallDomainDeps['settings'];
  stores: Stores;
  clock: Clock;
  logger: Logger;
  rules: () => RuleIndex;
  hasher: KeyHasher;
  pageTokens: PageTokens;
  limiters: Limiters;
  /** Delays between status callback attempts, in ms (tests shorten them). */
  callbackRetryDelaysMs?: readonly number[];
}

export interface Domains {
  /** The domains' routes, in the order they are mounted. */
  routes: ApiRoute[];
  /** Answers POST /v1/throttle/check and Envoy's ShouldRateLimit (grpc/). */
  decisions: DecisionService;
  /** Stops the domains' background work (callback deliveries). */
  close(): Promise<void>;
}

export function composeDomains(options: DomainOptions): Domains {
  const { settings, stores, clock, logger, pageTokens, limiters } = options;
  // Resources that hold concurrent-limit slots give them back when they end (never throws: a lost release expires with its lease).
  const slotLeases: SlotLeases = {
    release: async (leaseId) => {
      const partitions = await stores.slots.release(leaseId, { timeoutMs: SLOT_TIMEOUT_MS }).catch((error: unknown) => {
        logger.warn({ err: error, leaseId }, 'concurrent-limit slots not released; they expire with their lease');
        return [];
      });
      // The partitions given back in may have room now: this instance stops refusing them from memory.
      limiters.slotsReleased(partitions);
    },
  };
  const cdrs = createCdrs({ repository: stores.cdrs, pageTokens, clock });
  const conferences = createConferences({ repository: stores.conferences, clock, pageTokens, defaultPhoneRegion: settings.defaultPhoneRegion, slots: slotLeases });
  const callDomain = createCallDomain({
    calls: stores.calls,
    callServices: stores.callServices,
    cdrs: stores.cdrs,
    settings,
    clock,
    logger,
    pageTokens,
    slots: slotLeases,
    ...(options.callbackRetryDelaysMs ? { retryDelaysMs: options.callbackRetryDelaysMs } : {}),
  });
  // domain services (one block per domain)
  // Rate-limit documents; effective() (cached, see rate-limits.ts) is what the decision path reads.
  const rateLimits = createRateLimits({ repository: stores.rateLimits, clock });
  // A device's rate-limit document goes with it (through the service, so its cache forgets it).
  const devices = createDevices({
    repository: stores.devices,
    clock,
    pageTokens,
    forgetRateLimits: async (accountSid, deviceSid) => void (await rateLimits.delete({ scope: 'device', accountSid, deviceSid })),
  });
  const decisions = createDecisionService({
    documents: rateLimits,
    packetLimiters: limiters.packets,
    limiters: limiters.chain,
    rules: options.rules,
    planOptions: { defaultPhoneRegion: settings.defaultPhoneRegion, hasher: options.hasher },
    hasher: options.hasher,
    clock,
  });
  return {
    routes: [
      ...cdrRoutes(cdrs),
      ...conferenceRoutes(conferences),
      ...callRoutes(callDomain),
      ...callServiceRoutes(callDomain.services),
      // domain routes (one line per domain)
      ...deviceRoutes(devices),
      ...rateLimitRoutes(rateLimits, devices),
      ...decisionRoutes(decisions),
    ],
    decisions,
    close: () => callDomain.close(),
  };
}
