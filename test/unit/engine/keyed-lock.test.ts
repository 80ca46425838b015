import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/engine/keyed-lock.js';

const open = () => new AbortController().signal;

describe('KeyedLock', () => {
  it('serialises holders of one id in arrival order', async () => {
    const lock = new KeyedLock();
    const order: number[] = [];
    const first = await lock.acquire('p', open());
    const waiting = [2, 3].map(async (n) => {
      const lease = await lock.acquire('p', open());
      order.push(n);
      lease.release();
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first.release();
    await Promise.all(waiting);
    expect(order).toEqual([2, 3]);
    expect(lock.size).toBe(0);
  });

  it('does not serialise different ids', async () => {
    const lock = new KeyedLock();
    const a = await lock.acquire('a', open());
    const b = await lock.acquire('b', open());
    expect(lock.size).toBe(2);
    a.release();
    b.release();
    expect(lock.size).toBe(0);
  });

  it('lets a waiter give up on abort while keeping the queue order for the others', async () => {
    const lock = new KeyedLock();
    const holder = await lock.acquire('p', open());
    const controller = new AbortController();
    const quitter = lock.acquire('p', controller.signal);
    let patientHasIt = false;
    const patient = lock.acquire('p', open()).then((lease) => {
      patientHasIt = true;
      return lease;
    });
    controller.abort(new Error('deadline'));
    await expect(quitter).rejects.toThrow('deadline');
    await Promise.resolve();
    expect(patientHasIt).toBe(false);
    holder.release();
    (await patient).release();
    expect(lock.size).toBe(0);
  });

  it('releases a lease once, however often release is called', async () => {
    const lock = new KeyedLock();
    const a = await lock.acquire('p', open());
    const b = lock.acquire('p', open());
    a.release();
    a.release();
    (await b).release();
    expect(lock.size).toBe(0);
  });
});
