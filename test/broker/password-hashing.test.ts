/**
 * Password hashing shares libuv's thread pool with file I/O and token checks,
 * so the backend bounds how many scrypt derivations run at once (register,
 * login, the unknown-email dummy check alike). bench/password-hashing.ts
 * measures what the bound buys; these tests check the bound holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Accounts } from '../../broker/accounts.js';
import { HashLimit } from '../../broker/passwords.js';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { tempDir } from './support.js';

test('HashLimit runs at most `max` tasks at once, the rest in arrival order; 0 is unbounded', async () => {
  const limit = new HashLimit(2);
  const started: number[] = [];
  const finish: Array<() => void> = [];
  const tasks = [0, 1, 2, 3, 4].map((i) =>
    limit.run(() => {
      started.push(i);
      return new Promise<number>((resolve) => finish.push(() => resolve(i)));
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1]);
  assert.equal(limit.active, 2);
  assert.equal(limit.waiting, 3);
  // Each finished task lets exactly the next waiter in.
  finish[1]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2]);
  assert.equal(limit.active, 2);
  finish[0]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2, 3]);
  finish[2]!();
  finish[3]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  finish[4]!();
  assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4]);
  assert.equal(limit.peak, 2);
  assert.equal(limit.active, 0);

  // A failing task frees its slot too.
  await assert.rejects(
    limit.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(limit.active, 0);

  const unbounded = new HashLimit(0);
  const holds = [0, 1, 2, 3, 4, 5].map(() => unbounded.run(() => new Promise((resolve) => setImmediate(resolve))));
  await Promise.all(holds);
  assert.equal(unbounded.peak, 6);
});

test(
  'registrations, logins and unknown-email logins together never run more derivations than the bound',
  { timeout: 60_000 },
  async (t) => {
    const store = await openJsonUserStore(await tempDir(t));
    t.after(() => store.close());
    const accounts = new Accounts(store, 1024, 2);
    await accounts.register({ name: 'Known', email: 'known@example.test', password: 'known password' });
    const work = [
      ...Array.from({ length: 8 }, (_, i) =>
        accounts.register({ name: `R${i}`, email: `r${i}@example.test`, password: 'register password' }),
      ),
      ...Array.from({ length: 4 }, () => accounts.authenticate('known@example.test', 'known password')),
      ...Array.from({ length: 4 }, (_, i) => accounts.authenticate(`nobody${i}@example.test`, 'some password')),
    ];
    const results = await Promise.all(work);
    assert.equal(results.filter((r) => r !== undefined).length, 12, 'every registration and known login succeeded');
    assert.equal(accounts.hashing.peak, 2);
    assert.equal(accounts.hashing.active, 0);
  },
);
