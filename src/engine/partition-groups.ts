/**
 * PartitionGroups: the store path for requests that touch exactly one partition, queued per
 * partition and decided in groups (engine/admit-group.ts).
 *
 * While a partition's lock is held, requests for it gather in one open group; when the lock
 * comes free, the whole group takes it and is decided with one read and one compare-and-set per
 * 25 admissions. A request alone costs what it did before; a flood of 200 costs a handful of
 * rounds instead of 200, so its decisions end within their deadline instead of falling back.
 *
 * Each member keeps its own deadline. One that misses it leaves the group and goes to the
 * fallback like any other decision; its claim (if its call was already sent) stays until the
 * answer comes, exactly as for a lone decision (engine/throttle.ts).
 */
import { partitionId, type CallLog, type LogState } from './call-log.js';
import { admitGroup, type MemberDecision } from './admit-group.js';
import type { Target } from './admit.js';
import type { KeyedLock } from './keyed-lock.js';
import type { PartitionCache } from './partition-cache.js';
import type { Rule } from '../rules/rule.js';

export interface GroupMember {
  nowMs: number;
  /** The decision's identity for claims (engine/unsettled-appends.ts). */
  owner: object;
}

export interface PartitionGroupsOptions {
  store: CallLog;
  lock: KeyedLock;
  cache: PartitionCache;
  deadlineMs: number;
  /** Builds the error a member that missed its deadline is rejected with. */
  deadlineError: () => Error;
  guessNew: () => boolean;
  onUnknown: (wasNew: boolean) => void;
  /** This instance's fallback calls for the target, not yet written back, within its window before `nowMs`. */
  localCallsMs: (target: Target, nowMs: number) => readonly number[];
  /** Registers the appends of `members` before they are sent; returns what settles them. */
  claim: (target: Target, members: readonly GroupMember[]) => (landed: LogState | undefined) => void;
}

interface Member extends GroupMember {
  waiting: boolean;
  deadlineAt: number;
  resolve: (result: MemberDecision) => void;
  reject: (error: unknown) => void;
}

interface Group {
  rule: Rule;
  members: Member[];
  controller: AbortController;
}

/** Why a finished group's signal is aborted: stops abandoned store work. */
const GROUP_FINISHED = Object.freeze(new Error('throttle group finished'));

export class PartitionGroups {
  private readonly open = new Map<string, Group>();

  constructor(private readonly options: PartitionGroupsOptions) {}

  /**
   * The member's decision on `target` through the store; rejects when its deadline passes or the
   * store fails. Undefined when a group for the same partition under another version of the rule
   * is forming (a reload just happened): the caller takes the one-by-one path.
   */
  decide(target: Target, member: GroupMember): Promise<MemberDecision> | undefined {
    const id = partitionId(target.partition);
    let group = this.open.get(id);
    // A group whose members all left is being torn down: start a fresh one instead of joining it.
    if (group?.controller.signal.aborted) group = undefined;
    if (group && group.rule !== target.rule) return undefined;
    if (!group) {
      group = { rule: target.rule, members: [], controller: new AbortController() };
      this.open.set(id, group);
      void this.run(id, target, group);
    }
    const joined = group;
    return new Promise<MemberDecision>((resolve, reject) => {
      const entry: Member = { ...member, waiting: true, deadlineAt: performance.now() + this.options.deadlineMs, resolve, reject };
      const timer = setTimeout(() => {
        if (!entry.waiting) return;
        entry.waiting = false;
        reject(this.options.deadlineError());
        if (joined.members.every((m) => !m.waiting)) joined.controller.abort(this.options.deadlineError());
      }, this.options.deadlineMs);
      entry.resolve = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      entry.reject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      joined.members.push(entry);
    });
  }

  private async run(id: string, target: Target, group: Group): Promise<void> {
    const { signal } = group.controller;
    const { members } = group;
    let lease: { release(): void } | undefined;
    try {
      lease = await this.options.lock.acquire(id, signal);
      // Closed: requests from now on gather in the next group, behind this one.
      if (this.open.get(id) === group) this.open.delete(id);
      const nows = members.map((m) => m.nowMs);
      const latest = Math.max(...nows);
      const slot = { state: this.options.cache.get(target.partition, latest) };
      await untilAborted(
        admitGroup(this.options.store, target, slot, nows, {
          signal,
          remainingMs: () => Math.max(...members.filter((m) => m.waiting).map((m) => m.deadlineAt), 0) - performance.now(),
          guessNew: this.options.guessNew(),
          onUnknown: this.options.onUnknown,
          waiting: (j) => members[j]!.waiting,
          extraCallsMs: () => this.options.localCallsMs(target, Math.min(...nows)),
          onSend: (js) => this.options.claim(target, js.map((j) => members[j]!)),
          onDecided: (j, result) => {
            const m = members[j]!;
            if (!m.waiting) return;
            m.waiting = false;
            m.resolve(result);
          },
        }),
        signal,
      );
      if (slot.state) this.options.cache.set(target.rule, target.partition, slot.state);
      else this.options.cache.forget(target.partition);
    } catch (error) {
      if (this.open.get(id) === group) this.open.delete(id);
      for (const m of members) {
        if (!m.waiting) continue;
        m.waiting = false;
        m.reject(error);
      }
    } finally {
      if (!signal.aborted) group.controller.abort(GROUP_FINISHED);
      lease?.release();
    }
  }
}

/** Settles with the promise, or rejects as soon as the signal aborts (the work is abandoned). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
