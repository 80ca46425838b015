/**
 * Rate-limit documents: read, replace and delete them (the crossbar-style routes), and
 * `effective()`, the limits that apply to a device's or an account's packets, which the decision
 * path asks on every SIP message (some 10,000 a second).
 *
 * Precedence (Kazoo's frontier): a device's limits are its own document, else its account
 * document's `device` section, else the system document's `device` section; an account's are its
 * document's `account` section, else the system document's. A section counts when it sets at least
 * one limit (an empty `{}` or a document that only says `consistency` falls through), and the first
 * one found is taken whole. Kazoo goes one step further and fills the kinds a device's limits
 * leave out from the system configuration, key by key; tollgate takes one source per tier, so
 * that every limit in force can be traced to one document (`source`).
 *
 * effective() reads documents through an in-process cache, kept fresh by the repository's
 * revision, which every write of any document moves (cql/020_rate_limits_revision.cql): at most
 * once per `cacheMs` (1 s by default) a call starts ONE read of the revision in the background, and
 * when it moved every cached document is due again. A document stays fresh while the revision has
 * been confirmed unmoved within the last two `cacheMs`, for up to `maxAgeMs` (60 s by default:
 * what a write made around the service, in CQL, waits for); without a confirmed revision (the
 * store failing) a document is fresh for `cacheMs` after its read, as before revisions. Reading
 * each document again every second was some 100 reads a second for the bench's 100 devices, and
 * on its 2-core box the cost of those reads in Cassandra was the decision path's p99.
 * Past freshness, the document is still served while ONE read in the background refreshes it
 * (stale-while-revalidate), for up to `staleMs` more: an SBC's checks never wait for the store on
 * a document they asked about before. Writes through this instance forget the document at once;
 * another instance's write is seen here within about two `cacheMs` and one store read. A failed
 * refresh is tried again a `cacheMs` later; a document whose refreshes keep failing for `staleMs`
 * is read again on the request path, whose caller then sees the store's error. At most
 * `cacheEntries` documents are kept, oldest dropped first. Concurrent misses on one document
 * share one store read.
 */
import type { Clock } from '../../clock.js';
import { parseRateLimitDocument, type Consistency, type PacketLimits, type RateLimitDocument, type SystemDocument } from './rate-limit-document.js';
import type { RateLimitKey, RateLimitRepository } from './rate-limit-repository.js';
import { BoundedMemo } from '../../keys/bounded-memo.js';
import { revisionWatch } from './revision-watch.js';

export interface RateLimitsDeps {
  repository: RateLimitRepository;
  clock: Clock;
  /** How long effective() trusts a document it read (0: it reads the store every time). */
  cacheMs?: number;
  /** Documents the cache holds at most. */
  cacheEntries?: number;
  /** How long past its freshness a document is still served while it is being read again (10 s by default). */
  staleMs?: number;
  /** How long a document is trusted while the revision stays unmoved (60 s by default). */
  maxAgeMs?: number;
}

/** The limits of one tier, the document they came from, and how that document wants them counted. */
export interface EffectiveTier<Source extends string> {
  limits: PacketLimits;
  source: Source;
  consistency: Consistency;
}

/** What applies to one packet: each tier is absent when no document sets limits for it. */
export interface EffectiveLimits {
  /** Per device (only when a device was named). */
  device?: EffectiveTier<'device' | 'account' | 'system'>;
  /** The account's traffic as a whole. */
  account?: EffectiveTier<'account' | 'system'>;
  /** All traffic of the cluster together (the system document's `system` section). */
  system?: Omit<EffectiveTier<'system'>, 'source'>;
}

export interface RateLimits {
  /** The stored document, or {} when there is none (Kazoo answers the empty object). */
  get(key: RateLimitKey): Promise<RateLimitDocument>;
  /** Validates `data` as the key's kind of document (400 with its JSON path), without storing it. */
  check(key: RateLimitKey, data: unknown): RateLimitDocument;
  /** Validates and stores `data`, replacing the key's document; answers what was stored. */
  put(key: RateLimitKey, data: unknown): Promise<RateLimitDocument>;
  /** Removes the key's document; answers what was removed ({} when there was none). */
  delete(key: RateLimitKey): Promise<RateLimitDocument>;
  /** The limits in force for the account's packets, and a device's when `deviceSid` is given. */
  effective(accountSid: string, deviceSid?: string): Promise<EffectiveLimits>;
}

const SYSTEM: RateLimitKey = { scope: 'system' };

/**
 * A cached read: `settled` once the document is in; no background refresh starts before
 * `nextRefreshMs`; `generation` is the revision generation when the read began.
 */
interface Entry {
  atMs: number;
  generation: number;
  document: Promise<RateLimitDocument | undefined>;
  settled: boolean;
  nextRefreshMs: number;
}

const cacheId = (key: RateLimitKey) => (key.scope === 'system' ? 's' : key.scope === 'account' ? `a|${key.accountSid}` : `d|${key.accountSid}|${key.deviceSid}`);

export function createRateLimits(deps: RateLimitsDeps): RateLimits {
  const { repository, clock } = deps;
  const cacheMs = deps.cacheMs ?? 1_000;
  const maxEntries = Math.max(1, deps.cacheEntries ?? 10_000);
  const staleMs = Math.max(0, deps.staleMs ?? 10_000);
  const maxAgeMs = Math.max(cacheMs, deps.maxAgeMs ?? 60_000);
  // cache id -> the read (shared by concurrent misses) and when it started; oldest read first out.
  const cache = new BoundedMemo<string, Entry>(maxEntries);
  const revision = revisionWatch(repository, { cacheMs, staleMs, maxAgeMs });

  /** Reads the document into a new entry (frozen: its sections are handed to every caller as they are). */
  function load(key: RateLimitKey, atMs: number): Entry {
    const entry: Entry = { atMs, generation: revision.generation, document: repository.get(key).then(deepFreeze), settled: false, nextRefreshMs: 0 };
    entry.document.then(
      () => (entry.settled = true),
      () => undefined,
    );
    return entry;
  }

  /** A new read of `id` takes the place of the old one, at the newest end. */
  function keep(id: string, entry: Entry): void {
    cache.delete(id);
    cache.set(id, entry);
  }

  /** One background read replaces a stale entry when it lands (unless a write through here forgot it meanwhile). */
  function refresh(id: string, key: RateLimitKey, stale: Entry, now: number): void {
    stale.nextRefreshMs = Infinity;
    const next = load(key, now);
    next.document.then(
      () => {
        if (cache.get(id) === stale) keep(id, next);
      },
      // Kept stale; tried again a cacheMs later, so a failing store gets one read per document per cacheMs.
      () => (stale.nextRefreshMs = clock() + cacheMs),
    );
  }

  function cached(key: RateLimitKey): Promise<RateLimitDocument | undefined> {
    if (cacheMs <= 0) return repository.get(key);
    const id = cacheId(key);
    const now = clock();
    revision.check(now);
    const hit = cache.get(id);
    if (hit) {
      if (now < revision.freshUntil(hit)) return hit.document;
      if (hit.settled && now < revision.staleUntil(hit)) {
        if (now >= hit.nextRefreshMs) refresh(id, key, hit, now);
        return hit.document;
      }
    }
    const entry = load(key, now);
    keep(id, entry);
    // A failed read is not remembered: the next call asks the store again (the caller sees the error).
    entry.document.catch(() => {
      if (cache.get(id) === entry) cache.delete(id);
    });
    return entry.document;
  }

  /** Called once the store has the write: any read begun before it is dropped with its entry. */
  const forget = (key: RateLimitKey) => void cache.delete(cacheId(key));

  const check = (key: RateLimitKey, data: unknown) => parseRateLimitDocument(key.scope, data);

  return {
    get: async (key) => (await repository.get(key)) ?? {},
    check,
    async put(key, data) {
      const document = check(key, data);
      await repository.put(key, document);
      forget(key);
      return document;
    },
    async delete(key) {
      const removed = await repository.get(key);
      await repository.delete(key);
      forget(key);
      return removed ?? {};
    },
    async effective(accountSid, deviceSid) {
      const [system, account, device] = await Promise.all([
        cached(SYSTEM) as Promise<SystemDocument | undefined>,
        cached({ scope: 'account', accountSid }),
        deviceSid === undefined ? undefined : cached({ scope: 'device', accountSid, deviceSid }),
      ]);
      const result: EffectiveLimits = {};
      if (deviceSid !== undefined) {
        const tier = tierOf(device, device && limitsOf(device), 'device') ??
          tierOf(account, account && 'device' in account ? account.device : undefined, 'account') ??
          tierOf(system, system?.device, 'system');
        if (tier) result.device = tier;
      }
      const accountTier = tierOf(account, account && 'account' in account ? account.account : undefined, 'account') ?? tierOf(system, system?.account, 'system');
      if (accountTier) result.account = accountTier;
      const systemTier = tierOf(system, system?.system, 'system');
      if (systemTier) result.system = { limits: systemTier.limits, consistency: systemTier.consistency };
      return result;
    },
  };
}

/** The tier a document's section makes, or undefined when the section sets no limit. */
function tierOf<S extends string>(document: RateLimitDocument | undefined, section: PacketLimits | undefined, source: S): EffectiveTier<S> | undefined {
  if (!document || !section || !(setsLimit(section.per_second) || setsLimit(section.per_minute))) return undefined;
  return { limits: section, source, consistency: document.consistency ?? 'exact' };
}

/** A device document's limits without its `consistency` (the same frozen sections). */
function limitsOf(document: RateLimitDocument): PacketLimits {
  const { per_second, per_minute } = document as PacketLimits;
  return { ...(per_second ? { per_second } : {}), ...(per_minute ? { per_minute } : {}) };
}

const setsLimit = (counts: Record<string, number | undefined> | undefined) =>
  counts !== undefined && (counts.registrations !== undefined || counts.invites !== undefined || counts.total_packets !== undefined);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
