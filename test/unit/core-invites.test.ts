/**
 * Invites in the engine (src/core/invites.ts): the link in the page's URL, the invites the
 * visitor makes, and a link being opened (preview, join, guest). The API is a fake answering
 * what each test says; the flow is the real code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRequestError, type ApiClient } from '../../src/core/api-client.js';
import { InviteBook, InviteLinkFlow, inviteCodeFromHash, inviteLink, withoutInvite } from '../../src/core/invites.js';
import type { RoomBook } from '../../src/core/rooms.js';
import type { AuthResponse, Invite, InvitePreview, Room } from '../../src/protocol/index.js';
import { makeStore } from './support/engine-fakes.js';

const CODE = 'A'.repeat(22);
const OTHER = 'B'.repeat(22);
const TEAM: Room = { id: `~${'t'.repeat(22)}`, name: 'Team', kind: 'group', owner: 'ann-user-1' };
const PREVIEW: InvitePreview = {
  room: { name: 'Team', kind: 'group' },
  by: 'Ann',
  expiresAt: 1_800_000_000_000,
  guests: true,
  passwords: true,
};
const invite = (code: string, extra: Partial<Invite> = {}): Invite => ({
  code,
  room: TEAM,
  expiresAt: 1_800_000_000_000,
  maxUses: null,
  uses: 0,
  revoked: false,
  ...extra,
});
const refused = (code: string, status: number) => new ApiRequestError(code as never, `server says ${code}`, status);

test('the link is the page with #rtc-invite=<code>, replacing an earlier invite and keeping the rest', () => {
  assert.equal(inviteLink('https://site.test/page?x=1', CODE), `https://site.test/page?x=1#rtc-invite=${CODE}`);
  assert.equal(inviteLink(`https://site.test/page#rtc-invite=${OTHER}`, CODE), `https://site.test/page#rtc-invite=${CODE}`);
  assert.equal(inviteLink('https://site.test/page#top', CODE), `https://site.test/page#top&rtc-invite=${CODE}`);
  assert.equal(inviteCodeFromHash(`#top&rtc-invite=${CODE}`), CODE);
  assert.equal(inviteCodeFromHash(`#rtc-invite=${CODE}`), CODE);
  assert.equal(inviteCodeFromHash('#top'), null);
  assert.equal(inviteCodeFromHash(''), null);
  assert.equal(withoutInvite(`https://site.test/page#rtc-invite=${CODE}`), 'https://site.test/page');
  assert.equal(withoutInvite(`https://site.test/page?x=1#top&rtc-invite=${CODE}`), 'https://site.test/page?x=1#top');
});

/** An API with the invite calls; each answers its queued outcome (a value, or an error to throw). */
class FakeInviteApi {
  readonly calls: string[] = [];
  preview: InvitePreview | Error = PREVIEW;
  join: Room | Error = TEAM;
  guestAnswer: AuthResponse | Error = { token: 'guest-token', user: { id: 'guest-1', name: 'Gus', email: '', guest: true } };
  list: Invite[] = [invite(CODE)];

  private answer<T>(name: string, value: T | Error): Promise<T> {
    this.calls.push(name);
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  }
  previewInvite(code: string) {
    return this.answer(`preview ${code}`, this.preview).then((invite) => ({ invite }));
  }
  joinInvite(token: string, code: string) {
    return this.answer(`join ${code} as ${token}`, this.join).then((room) => ({ room }));
  }
  guest(code: string, name: string) {
    return this.answer(`guest ${code} ${name}`, this.guestAnswer);
  }
  invites() {
    return this.answer('invites', { invites: this.list });
  }
  createRoom(_token: string, name: string) {
    return this.answer(`create room ${name}`, { room: TEAM, invite: invite(OTHER) });
  }
  createInvite(_token: string, target: object, options: object) {
    return this.answer(`invite ${JSON.stringify({ ...target, ...options })}`, { invite: invite(OTHER, { maxUses: 3 }) });
  }
  revokeInvite(_token: string, code: string) {
    return this.answer(`revoke ${code}`, undefined);
  }
}

function world(signedIn: boolean) {
  const { store, events } = makeStore(signedIn ? { user: { id: 'me-user-1', name: 'Me', email: 'me@example.test' } } : {});
  const api = new FakeInviteApi();
  const loads: Array<string | undefined> = [];
  const rooms = { load: async (wanted?: string) => void loads.push(wanted) } as unknown as RoomBook;
  let token: string | null = signedIn ? 'my-token' : null;
  const context = { api: api as unknown as ApiClient, store, token: () => token, rooms };
  const joined: Room[] = [];
  const guestSignIns: AuthResponse[] = [];
  const flow = new InviteLinkFlow(context, {
    signIn: async (auth) => {
      guestSignIns.push(auth);
      token = auth.token;
      store.update({ user: auth.user });
      await flow.signedIn();
    },
    joined: async (room) => void joined.push(room),
  });
  const book = new InviteBook(context);
  const setToken = (t: string) => (token = t);
  return { store, events, api, flow, book, loads, joined, guestSignIns, setToken };
}

const errors = (events: { type: string; detail: unknown }[]) => events.filter((e) => e.type === 'error').map((e) => e.detail);

test('signed in, a link is checked, joined, and its room shown', async () => {
  const { api, flow, store, joined } = world(true);
  await flow.open(CODE);
  assert.deepEqual(api.calls, [`preview ${CODE}`, `join ${CODE} as my-token`]);
  assert.deepEqual(joined, [TEAM]);
  assert.equal(store.state.invite, null, 'done: nothing left to show');
});

test('signed out, the link waits for a guest name or a sign-in', async () => {
  const { api, flow, store, joined, setToken } = world(false);
  await flow.open(CODE);
  assert.deepEqual(store.state.invite, { code: CODE, phase: 'ready', preview: PREVIEW, problem: null });
  assert.deepEqual(api.calls, [`preview ${CODE}`]);
  // The visitor signs in instead: the link is joined then.
  store.update({ user: { id: 'me-user-1', name: 'Me', email: 'me@example.test' } });
  setToken('typed-token');
  await flow.signedIn();
  assert.deepEqual(api.calls.at(-1), `join ${CODE} as typed-token`);
  assert.deepEqual(joined, [TEAM]);
});

test('a guest name makes a guest account, signed in like a login; signing in was the join', async () => {
  const { api, flow, store, guestSignIns, joined } = world(false);
  await flow.open(CODE);
  await flow.joinAsGuest('Gus');
  assert.deepEqual(api.calls, [`preview ${CODE}`, `guest ${CODE} Gus`]);
  assert.equal(guestSignIns.length, 1);
  assert.equal(store.state.invite, null);
  assert.deepEqual(joined, [], 'a guest joins nothing more');
});

for (const [code, status] of [
  ['invite_expired', 410],
  ['invite_revoked', 410],
  ['invite_used_up', 410],
  ['invite_not_found', 404],
] as const) {
  test(`a link that is ${code.slice(7)} ends with its own sentence, raised as an invite error`, async () => {
    const { api, flow, store, events } = world(true);
    api.preview = refused(code, status);
    await flow.open(CODE);
    assert.equal(store.state.invite?.phase, 'failed');
    assert.equal(store.state.invite?.problem, code);
    assert.deepEqual(
      errors(events).map((e) => (e as { code: string; scope: string }).scope + ' ' + (e as { code: string }).code),
      [`invite ${code}`],
    );
    assert.equal(api.calls.length, 1, 'nothing is joined');
  });
}

test('a link that expired between the preview and the join ends there too', async () => {
  const { api, flow, store } = world(true);
  api.join = refused('invite_used_up', 410);
  await flow.open(CODE);
  assert.equal(store.state.invite?.phase, 'failed');
  assert.equal(store.state.invite?.problem, 'invite_used_up');
});

test('a code that is not one is refused without asking the server', async () => {
  const { api, flow, store } = world(false);
  await flow.open('not a code');
  assert.equal(store.state.invite?.problem, 'invite_not_found');
  assert.deepEqual(api.calls, []);
});

test('a guest refusal that is not final leaves the link usable, with the error beside it', async () => {
  const { api, flow, store, events } = world(false);
  await flow.open(CODE);
  api.guestAnswer = refused('rate_limited', 429);
  await flow.joinAsGuest('Gus');
  assert.equal(store.state.invite?.phase, 'ready');
  assert.equal(store.state.error?.code, 'rate_limited');
  assert.equal(store.state.error?.scope, 'invite');
  api.guestAnswer = refused('guests_disabled', 403);
  await flow.joinAsGuest('Gus');
  assert.equal(store.state.invite?.phase, 'ready');
  assert.equal(store.state.invite?.preview?.guests, false, 'no more guest form: signing in is the way');
  assert.equal(errors(events).length, 2);
});

test('dismissing a failed link clears it and its error', async () => {
  const { api, flow, store } = world(false);
  api.preview = refused('invite_expired', 410);
  await flow.open(CODE);
  flow.dismiss();
  assert.equal(store.state.invite, null);
  assert.equal(store.state.error, null);
});

test('a new room is created, shown, and its first invite listed first', async () => {
  const { api, book, store, loads } = world(true);
  await book.load();
  const made = await book.createRoom('Team');
  assert.equal(made.code, OTHER);
  assert.deepEqual(loads, [TEAM.id], 'the room list is refetched and the new room shown');
  assert.deepEqual(
    store.state.invites.map((i) => i.code),
    [OTHER, CODE],
  );
  assert.deepEqual(api.calls, ['invites', 'create room Team']);
});

test('a call-me link asks for the personal room with the options given; revoke marks it', async () => {
  const { api, book, store, loads } = world(true);
  const made = await book.create('personal', { expiresIn: 3600, maxUses: 3 });
  assert.equal(made.maxUses, 3);
  assert.deepEqual(api.calls, ['invite {"personal":true,"expiresIn":3600,"maxUses":3}']);
  assert.equal(loads.length, 1, 'a personal room made on first use is followed');
  await book.revoke(OTHER);
  assert.equal(store.state.invites[0]?.revoked, true);
});

test('signed out, nothing is made: the failure is unauthorized', async () => {
  const { book } = world(false);
  await assert.rejects(book.createRoom('Team'), (e: unknown) => e instanceof ApiRequestError && e.code === 'unauthorized');
});
