/**
 * This browser's kept DTLS certificate and the people verified here, in the real IndexedDB:
 * an RTCCertificate survives a structured clone into IndexedDB and back, and works for a
 * connection afterwards; without IndexedDB a page-only certificate is made and says so.
 */
import { expect } from '@open-wc/testing';
import { ownCertificate } from '../../src/core/verify/certificate.js';
import { openVerifyDb, type VerifyDb } from '../../src/core/verify/verify-db.js';

const sha256 = (cert: RTCCertificate) =>
  cert
    .getFingerprints()
    .find((f) => f.algorithm === 'sha-256')!
    .value!.toUpperCase();

describe('the kept certificate', () => {
  const name = `rtc-call-verify-test-${Math.random().toString(36).slice(2)}`;
  let dbs: VerifyDb[] = [];
  afterEach(() => {
    for (const db of dbs) db.close();
    dbs = [];
  });
  after(() => void indexedDB.deleteDatabase(name));

  async function open(): Promise<VerifyDb> {
    const db = await openVerifyDb(name);
    expect(db, 'IndexedDB opens').to.not.be.null;
    dbs.push(db!);
    return db!;
  }

  it('is made once, kept in IndexedDB, and the same after the store is opened again', async () => {
    const first = await ownCertificate(await open());
    expect(first.persistent).to.be.true;
    dbs.pop()!.close();
    const again = await ownCertificate(await open());
    expect(again.persistent).to.be.true;
    expect(sha256(again.certificate)).to.equal(sha256(first.certificate));
    expect(again.certificate.expires).to.be.greaterThan(Date.now() + 300 * 24 * 3600 * 1000);
  });

  it('read back from IndexedDB, it still makes connections with that fingerprint', async () => {
    const db = await open();
    const kept = await ownCertificate(db);
    const pc = new RTCPeerConnection({ certificates: [kept.certificate] });
    try {
      pc.addTransceiver('audio');
      const offer = await pc.createOffer();
      expect(offer.sdp!.toUpperCase()).to.include(`A=FINGERPRINT:SHA-256 ${sha256(kept.certificate)}`);
    } finally {
      pc.close();
    }
  });

  it('is renewed when it is about to expire', async () => {
    const db = await open();
    const kept = await ownCertificate(db);
    const later = await ownCertificate(db, kept.certificate.expires - 1000);
    expect(later.persistent).to.be.true;
    expect(sha256(later.certificate)).to.not.equal(sha256(kept.certificate));
    expect(sha256((await ownCertificate(db, Date.now())).certificate)).to.equal(sha256(later.certificate));
  });

  it('without IndexedDB, a certificate for this page only', async () => {
    const page = await ownCertificate(null);
    expect(page.persistent).to.be.false;
    expect(sha256(page.certificate)).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('keeps the people verified per own account', async () => {
    const db = await open();
    await db.set('me', 'bob', { fingerprint: 'AB', verifiedAt: 7 });
    expect(await db.get('me', 'bob')).to.deep.equal({ fingerprint: 'AB', verifiedAt: 7 });
    expect(await db.get('other', 'bob')).to.be.null;
  });
});
