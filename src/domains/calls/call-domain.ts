/**
 * The calls domain as compose.ts builds it: the calls service, its listing, call services and
 * the status callback dispatcher they share, from the repositories, settings, clock and logger.
 * `close` stops the dispatcher (cancels pending retries, waits for attempts in flight).
 */
import type { Clock } from '../../clock.js';
import type { CdrWriter } from '../cdrs/cdr.js';
import type { PageTokens } from '../shared/page-token.js';
import type { CallRepository } from './call.js';
import type { CallPricing } from './call-price.js';
import type { CallServiceRepository } from './call-service.js';
import { createCallListing, type CallListing } from './call-listing.js';
import { createCallServices, type CallServices } from './call-services.js';
import { createCalls, type Calls } from './calls.js';
import { createCallbackDispatcher, type CallbackLogger } from './callback-dispatcher.js';
import { createCallbackUrlPolicy, type Resolver } from './callback-url-policy.js';
import type { SlotLeases } from '../shared/slot-leases.js';

/** Waits between status callback attempts unless ComposeOptions says otherwise. */
export const DEFAULT_CALLBACK_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000, 16_000];

export interface CallDomainDeps {
  calls: CallRepository;
  callServices: CallServiceRepository;
  cdrs: CdrWriter;
  settings: CallPricing & { defaultPhoneRegion: string; callbackAllowedHosts: readonly string[] | undefined };
  clock: Clock;
  logger: CallbackLogger;
  pageTokens: PageTokens;
  retryDelaysMs?: readonly number[];
  /** Name resolution of the callback URL check (the system's by default). */
  resolve?: Resolver;
  /** Gives back a call's concurrent-limit slots when it ends. */
  slots?: SlotLeases;
}

export interface CallDomain {
  calls: Calls;
  listing: CallListing;
  services: CallServices;
  close(): Promise<void>;
}

export function createCallDomain(deps: CallDomainDeps): CallDomain {
  const urlPolicy = createCallbackUrlPolicy({ allowedHosts: deps.settings.callbackAllowedHosts, ...(deps.resolve ? { resolve: deps.resolve } : {}) });
  const callbacks = createCallbackDispatcher({ retryDelaysMs: deps.retryDelaysMs ?? DEFAULT_CALLBACK_RETRY_DELAYS_MS, lookup: urlPolicy.lookup, logger: deps.logger });
  return {
    calls: createCalls({ repository: deps.calls, cdrs: deps.cdrs, clock: deps.clock, settings: deps.settings, urlPolicy, callbacks, ...(deps.slots ? { slots: deps.slots } : {}) }),
    listing: createCallListing({ repository: deps.calls, clock: deps.clock, pageTokens: deps.pageTokens, defaultPhoneRegion: deps.settings.defaultPhoneRegion }),
    services: createCallServices({ repository: deps.callServices, calls: deps.calls, clock: deps.clock, pageTokens: deps.pageTokens }),
    close: () => callbacks.stop(),
  };
}
