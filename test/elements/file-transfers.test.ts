/// <reference types="mocha" />
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/file-transfer/file-transfers.js';
import type { RtcFileTransfers } from '../../src/components/file-transfer/file-transfers.js';
import type { FileTransferView } from '../../src/core/types.js';
import type { Presence } from '../../src/protocol/index.js';
import { FakeSession, part, parts } from './helpers.js';

const bob: Presence = { id: 'bob-1', name: 'Bob', status: 'available', sessions: 1 };
const view = (patch: Partial<FileTransferView>): FileTransferView => ({
  id: 'transfer-0123456789ab',
  peerId: bob.id,
  direction: 'incoming',
  name: 'holiday.jpg',
  size: 52_428_800,
  mime: 'image/jpeg',
  phase: 'offered',
  bytes: 0,
  bytesPerSecond: 0,
  secondsLeft: null,
  problem: null,
  url: null,
  savedToDisk: false,
  ...patch,
});

async function shown(transfers: FileTransferView[]) {
  const session = new FakeSession({ peers: [bob], fileTransfers: transfers });
  const el = await fixture<RtcFileTransfers>(html`<rtc-file-transfers .session=${session} peer-id=${bob.id}></rtc-file-transfers>`);
  return { session, el };
}

describe('rtc-file-transfers', () => {
  it('an offered file shows its name, size and type, with Accept and Decline; nothing to save yet', async () => {
    const { session, el } = await shown([view({})]);
    expect(part(el, 'file-name')!.textContent).to.equal('holiday.jpg');
    expect(part(el, 'file-meta')!.textContent).to.contain('52.4 MB').and.contain('image/jpeg');
    expect(part(el, 'file-save')).to.be.null;
    expect(part(el, 'file-cancel')).to.be.null;
    part(el, 'file-decline')!.click();
    expect(session.calls).to.deep.include({ method: 'declineFile', args: [view({}).id] });
    await expect(el).to.be.accessible();
  });

  it('a flowing transfer shows progress with speed and time left, and Cancel', async () => {
    const { session, el } = await shown([
      view({ direction: 'outgoing', phase: 'transferring', bytes: 10_000_000, bytesPerSecond: 5_000_000, secondsLeft: 9 }),
    ]);
    const progress = part<HTMLProgressElement>(el, 'file-progress')!;
    expect(progress.value).to.equal(10_000_000);
    expect(part(el, 'file-status')!.textContent).to.contain('10 MB of 52.4 MB').and.contain('5 MB/s').and.contain('left');
    part(el, 'file-cancel')!.click();
    expect(session.calls).to.deep.include({ method: 'cancelFile', args: [view({}).id] });
    await expect(el).to.be.accessible();
  });

  it('ended transfers say how, a finished download can be saved, and only this person’s files show', async () => {
    const { el } = await shown([
      view({ id: 'a-0123456789abcdef', phase: 'done', url: 'blob:http://x/1', bytes: 52_428_800 }),
      view({ id: 'b-0123456789abcdef', name: 'broken.bin', phase: 'failed', problem: 'integrity' }),
      view({ id: 'c-0123456789abcdef', name: 'elsewhere.txt', peerId: 'someone-else' }),
    ]);
    expect(parts(el, 'file').map((f) => f.querySelector('[part~="file-name"]')!.textContent)).to.deep.equal(['holiday.jpg', 'broken.bin']);
    expect(part<HTMLAnchorElement>(el, 'file-save')!.download).to.equal('holiday.jpg');
    const statuses = parts(el, 'file-status').map((s) => s.textContent);
    expect(statuses[0]).to.contain('Received and checked');
    expect(statuses[1]).to.contain('incomplete or damaged');
    expect(parts(el, 'file-save')).to.have.length(1);
    expect(parts(el, 'file-dismiss')).to.have.length(2);
    await expect(el).to.be.accessible();
  });

  it('the send button opens the file picker, and is off while the person is offline', async () => {
    const { el } = await shown([]);
    expect(part<HTMLButtonElement>(el, 'file-send')!.disabled).to.be.false;
    const offline = await fixture<RtcFileTransfers>(
      html`<rtc-file-transfers .session=${new FakeSession({ peers: [] })} peer-id=${bob.id}></rtc-file-transfers>`,
    );
    expect(part<HTMLButtonElement>(offline, 'file-send')!.disabled).to.be.true;
  });
});
