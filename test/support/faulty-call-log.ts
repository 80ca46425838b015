import type { CallLog } from '../../src/engine/call-log.js';

export type Fault = 'none' | 'fail' | 'hang' | 'slow';

/** Wraps a CallLog and makes every call fail, never answer, or answer `delayMs` late, as a dead, stalled or overloaded store would. */
export class FaultyCallLog implements CallLog {
  fault: Fault = 'none';
  delayMs = 0;
  calls = 0;

  constructor(private readonly inner: CallLog) {}

  read: CallLog['read'] = (...args) => this.run(() => this.inner.read(...args));
  append: CallLog['append'] = (...args) => this.run(() => this.inner.append(...args));
  appendMany: CallLog['appendMany'] = (...args) => this.run(() => this.inner.appendMany(...args));
  remove: CallLog['remove'] = (...args) => this.run(() => this.inner.remove(...args));
  reset: CallLog['reset'] = (...args) => this.run(() => this.inner.reset(...args));

  private run<T>(call: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.fault === 'fail') return Promise.reject(new Error('store unavailable'));
    if (this.fault === 'hang') return new Promise<T>(() => {});
    if (this.fault === 'slow') return new Promise<void>((resolve) => setTimeout(resolve, this.delayMs)).then(call);
    return call();
  }
}
