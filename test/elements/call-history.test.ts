/// <reference types="mocha" />
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/call-history/call-history.js';
import '../../src/components/privacy/privacy.js';
import type { RtcCallHistory } from '../../src/components/call-history/call-history.js';
import type { RtcPrivacy } from '../../src/components/privacy/privacy.js';
import type { CallHistoryEntry } from '../../src/protocol/index.js';
import type { CallHistoryState } from '../../src/core/types.js';
import { FakeSession, part, parts } from './helpers.js';

const entry = (id: string, name: string, over: Partial<CallHistoryEntry> = {}): CallHistoryEntry => ({
  id: id.padEnd(22, 'x'),
  callId: `call-${id}-0123456789`,
  peer: { id: `user-${name.toLowerCase()}`, name },
  direction: 'incoming',
  startedAt: Date.parse('2026-12-01T10:00:00Z'),
  answeredAt: null,
  endedAt: Date.parse('2026-12-01T10:00:30Z'),
  durationMs: 0,
  outcome: 'missed',
  media: { audio: true, video: true },
  ...over,
});

const history = (entries: CallHistoryEntry[], unseenMissed = 0, missedFrom: string[] = []): CallHistoryState => ({
  entries,
  next: null,
  loaded: true,
  unseenMissed,
  missedFrom,
});

describe('rtc-call-history', () => {
  it('lists each call with who, which way, how it ended and how long; missed calls show a badge and a banner', async () => {
    const answered = entry('b', 'Bob', {
      direction: 'outgoing',
      outcome: 'answered',
      answeredAt: Date.parse('2026-12-01T09:00:05Z'),
      durationMs: 125_000,
      startedAt: Date.parse('2026-12-01T09:00:00Z'),
    });
    const session = new FakeSession({
      history: history([entry('a', 'Ada'), answered, entry('c', 'Cy', { outcome: 'busy', direction: 'outgoing', dnd: true })], 1, ['Ada']),
      peers: [{ id: 'user-ada', name: 'Ada', status: 'available', sessions: 1 }],
    });
    const el = await fixture<RtcCallHistory>(html`<rtc-call-history .session=${session}></rtc-call-history>`);
    expect(part(el, 'missed-banner')!.textContent).to.contain('Missed call from Ada');
    expect(part(el, 'missed-badge')!.textContent).to.contain('1 missed');
    const items = parts(el, 'call-item');
    expect(items.map((i) => i.dataset.outcome)).to.deep.equal(['missed', 'answered', 'busy']);
    expect(items.map((i) => i.dataset.direction)).to.deep.equal(['incoming', 'outgoing', 'outgoing']);
    expect(items[1]!.querySelector('[part="call-duration"]')!.textContent).to.contain('2 minutes');
    expect(items[2]!.querySelector('[part="call-outcome"]')!.textContent).to.equal('Busy (do not disturb)');
    // Call back only whom is online: Ada is, Bob is not.
    const back = parts<HTMLButtonElement>(el, 'call-back');
    expect(back.map((b) => b.disabled)).to.deep.equal([false, true, true]);
    await expect(el).to.be.accessible();

    part<HTMLButtonElement>(el, 'missed-show')!.click();
    await el.updateComplete;
    expect(part<HTMLDetailsElement>(el, 'call-history')!.open).to.equal(true);
    expect(part(el, 'missed-banner')).to.equal(null);
    expect(session.calls.some((c) => c.method === 'markCallsSeen')).to.equal(true);

    back[0]!.click();
    parts<HTMLButtonElement>(el, 'call-delete')[1]!.click();
    expect(session.calls.find((c) => c.method === 'callBack')!.args).to.deep.equal([entry('a', 'Ada')]);
    expect(session.calls.find((c) => c.method === 'deleteCall')!.args).to.deep.equal([answered.id]);
  });

  it('says so when there are no calls, and shows nothing for a backend without a history', async () => {
    const session = new FakeSession({ history: history([]) });
    const el = await fixture<RtcCallHistory>(html`<rtc-call-history .session=${session}></rtc-call-history>`);
    expect(part(el, 'call-empty')!.textContent).to.contain('No calls yet');
    session.update({ history: { ...history([]), loaded: false } });
    await el.updateComplete;
    expect(part(el, 'call-history')).to.equal(null);
  });
});

describe('rtc-privacy', () => {
  it('sets do-not-disturb for a period or until turned off, and invisible', async () => {
    const session = new FakeSession();
    const el = await fixture<RtcPrivacy>(html`<rtc-privacy .session=${session}></rtc-privacy>`);
    const select = part<HTMLSelectElement>(el, 'dnd-select')!;
    expect(select.value).to.equal('off');
    select.value = '60';
    select.dispatchEvent(new Event('change'));
    select.value = 'on';
    select.dispatchEvent(new Event('change'));
    const invisible = part<HTMLInputElement>(el, 'invisible-toggle')!;
    invisible.click();
    expect(session.calls.map((c) => [c.method, c.args[0]])).to.deep.equal([
      ['setDoNotDisturb', { minutes: 60 }],
      ['setDoNotDisturb', 'on'],
      ['setInvisible', true],
    ]);
    // What the backend says (also from another device) is what shows.
    session.update({ privacy: { dnd: true, dndUntil: Date.now() + 3_600_000, invisible: true } });
    await el.updateComplete;
    expect(part(el, 'dnd-state')!.textContent).to.contain('On until');
    expect(part<HTMLInputElement>(el, 'invisible-toggle')!.checked).to.equal(true);
    await expect(el).to.be.accessible();
    // A change that could not be saved says why, and the choices keep showing what is stored.
    session.update({ error: { code: 'server_unreachable', scope: 'history', message: 'Cannot reach the call service.' } });
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.contain('Cannot reach');
  });
});
