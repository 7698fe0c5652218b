/**
 * Connection quality as a pure judgement of getStats() reports (src/core/link-quality.ts): the
 * figures read from Chromium's and Firefox's shapes of a report, the bar thresholds, missing
 * figures, and loss taken from the difference between two reports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  holdPoor,
  assessQuality,
  MIN_PACKETS,
  POOR_BARS,
  QUALITY_STEPS,
  readQualitySample,
  scoreLink,
  type QualitySample,
} from '../../src/core/link-quality.js';

type Rec = Record<string, unknown>;

/** A Chromium report: the transport names the pair; the pair has RTT and bitrate; receiver reports carry fractionLost. */
function chromiumReport(o: {
  at: number;
  received: number;
  lost: number;
  jitter?: number;
  rtt?: number;
  bitrate?: number;
  fraction?: number;
  /** The video stream's counts when they differ from the audio's (`received`, `lost`). */
  video?: { received: number; lost: number };
}): Rec[] {
  return [
    { id: 'T01', type: 'transport', timestamp: o.at, selectedCandidatePairId: 'CP1' },
    {
      id: 'CP1',
      type: 'candidate-pair',
      timestamp: o.at,
      currentRoundTripTime: o.rtt ?? 0.001,
      availableOutgoingBitrate: o.bitrate ?? 2_500_000,
    },
    { id: 'CP2', type: 'candidate-pair', timestamp: o.at, currentRoundTripTime: 9 },
    {
      id: 'IA',
      type: 'inbound-rtp',
      kind: 'audio',
      timestamp: o.at,
      packetsReceived: o.received,
      packetsLost: o.lost,
      jitter: o.jitter ?? 0.002,
    },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: o.at,
      packetsReceived: o.video?.received ?? o.received,
      packetsLost: o.video?.lost ?? o.lost,
      jitter: 0.004,
    },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', timestamp: o.at, packetsSent: 1000 },
    {
      id: 'RIV',
      type: 'remote-inbound-rtp',
      kind: 'video',
      localId: 'OV',
      timestamp: o.at,
      packetsLost: 3,
      fractionLost: o.fraction ?? 0,
      jitter: 0.003,
      roundTripTime: o.rtt ?? 0.001,
    },
  ];
}

/** An older Firefox's report: no transport record, the pair says `selected`, no RTT or bitrate on it, no fractionLost. */
function firefoxReport(o: { at: number; received: number; lost: number; sent: number; remoteLost: number; rtt?: number }): Rec[] {
  return [
    { id: 'p1', type: 'candidate-pair', timestamp: o.at, selected: true, nominated: true, state: 'succeeded' },
    { id: 'p2', type: 'candidate-pair', timestamp: o.at, selected: false },
    {
      id: 'in-a',
      type: 'inbound-rtp',
      mediaType: 'audio',
      kind: 'audio',
      timestamp: o.at,
      packetsReceived: o.received,
      packetsLost: o.lost,
      jitter: 0.01,
    },
    { id: 'out-a', type: 'outbound-rtp', kind: 'audio', timestamp: o.at, packetsSent: o.sent },
    {
      id: 'rin-a',
      type: 'remote-inbound-rtp',
      kind: 'audio',
      localId: 'out-a',
      timestamp: o.at,
      packetsLost: o.remoteLost,
      jitter: 0.02,
      roundTripTime: o.rtt ?? 0.05,
    },
    { id: 'rout-a', type: 'remote-outbound-rtp', kind: 'audio', localId: 'in-a', timestamp: o.at },
  ];
}

describe('readQualitySample', () => {
  it('reads Chromium: the pair named by the transport, its round trip and bitrate, summed inbound packets, the worst jitter', () => {
    const s = readQualitySample(chromiumReport({ at: 5000, received: 400, lost: 10, rtt: 0.12, bitrate: 800_000, fraction: 0.05 }));
    assert.equal(s.at, 5000);
    assert.deepEqual(s.inbound, { IA: { received: 400, lost: 10 }, IV: { received: 400, lost: 10 } });
    assert.equal(s.jitterMs, 4);
    assert.equal(s.pairRttMs, 120);
    assert.equal(s.outgoingKbps, 800);
    assert.equal(s.remote.lossPct, 5);
    assert.equal(s.remote.rttMs, 120);
    assert.equal(s.remote.jitterMs, 3);
    assert.deepEqual(s.remote.streams, { RIV: { sent: 1000, lost: 3 } });
  });

  it('reads an older Firefox: the pair that says it is selected, no pair figures, cumulative remote loss against our packetsSent', () => {
    const s = readQualitySample(firefoxReport({ at: 7000, received: 100, lost: 2, sent: 120, remoteLost: 6 }));
    assert.equal(s.pairRttMs, null);
    assert.equal(s.outgoingKbps, null);
    assert.equal(s.remote.lossPct, null);
    assert.deepEqual(s.remote.streams, { 'rin-a': { sent: 120, lost: 6 } });
    assert.equal(s.remote.rttMs, 50);
    assert.equal(s.jitterMs, 10);
  });

  it('an empty report (not connected yet) gives no figure at all', () => {
    const s = readQualitySample([]);
    assert.deepEqual([s.jitterMs, s.pairRttMs, s.outgoingKbps, s.remote.lossPct, s.remote.rttMs], [null, null, null, null, null]);
    assert.deepEqual(assessQuality(null, s), {
      local: { bars: null, rttMs: null, lossPct: null, jitterMs: null, bitrateKbps: null },
      remote: { bars: null, rttMs: null, lossPct: null, jitterMs: null, bitrateKbps: null },
      poor: null,
    });
  });

  it('ignores figures that are not finite numbers, and negative packetsLost (duplicates)', () => {
    const s = readQualitySample([
      { id: 'i', type: 'inbound-rtp', timestamp: 1, packetsReceived: 10, packetsLost: -2, jitter: 'x' },
      { id: 'p', type: 'candidate-pair', selected: true, currentRoundTripTime: Number.NaN },
    ]);
    assert.deepEqual(s.inbound, { i: { received: 10, lost: 0 } });
    // Firefox's pair before its first measurement.
    assert.equal(readQualitySample([{ id: 'p', type: 'candidate-pair', selected: true, currentRoundTripTime: 0 }]).pairRttMs, null);
    assert.equal(s.jitterMs, null);
    assert.equal(s.pairRttMs, null);
  });
});

describe('scoreLink thresholds', () => {
  const only = (figures: Partial<Parameters<typeof scoreLink>[0]>) =>
    scoreLink({ rttMs: null, lossPct: null, jitterMs: null, bitrateKbps: null, ...figures }).bars;

  it('each figure steps down at its thresholds (at the threshold still the better bars)', () => {
    const [r1, r2, r3, r4] = QUALITY_STEPS.rttMs;
    assert.deepEqual(
      [0, r1, r1 + 1, r2, r2 + 1, r3, r3 + 1, r4, r4 + 1].map((rttMs) => only({ rttMs })),
      [4, 4, 3, 3, 2, 2, 1, 1, 0],
    );
    const [l1, l2, l3, l4] = QUALITY_STEPS.lossPct;
    assert.deepEqual(
      [0, l1, l2, l3, l4, l4 + 0.1].map((lossPct) => only({ lossPct })),
      [4, 4, 3, 2, 1, 0],
    );
    const [j1, j2, j3, j4] = QUALITY_STEPS.jitterMs;
    assert.deepEqual(
      [j1, j2, j3, j4, j4 + 1].map((jitterMs) => only({ jitterMs })),
      [4, 3, 2, 1, 0],
    );
    const [b1, b2, b3, b4] = QUALITY_STEPS.bitrateKbps;
    assert.deepEqual(
      [5000, b1, b2, b3, b4, b4 - 1].map((bitrateKbps) => only({ bitrateKbps })),
      [4, 4, 3, 2, 1, 0],
    );
  });

  it('the worst figure decides; unknown figures do not count; none known gives null', () => {
    assert.equal(only({ rttMs: 20, lossPct: 0, jitterMs: 5, bitrateKbps: 40 }), 1);
    assert.equal(only({ rttMs: 20, lossPct: null, jitterMs: 70 }), 2);
    assert.equal(only({}), null);
  });

  it('rounds the figures it shows to one decimal', () => {
    assert.deepEqual(scoreLink({ rttMs: 12.345, lossPct: 3.333, jitterMs: null, bitrateKbps: 999.96 }), {
      bars: 2,
      rttMs: 12.3,
      lossPct: 3.3,
      jitterMs: null,
      bitrateKbps: 1000,
    });
  });
});

describe('assessQuality over two reports', () => {
  const chromium = (
    at: number,
    received: number,
    lost: number,
    extra: { fraction?: number; bitrate?: number; rtt?: number } = {},
  ): QualitySample => readQualitySample(chromiumReport({ at, received, lost, ...extra }));

  it('a clean fast link: 4 bars on both sides, nothing poor', () => {
    const q = assessQuality(chromium(1000, 100, 0), chromium(3000, 300, 0));
    assert.equal(q.local.bars, 4);
    assert.equal(q.local.lossPct, 0);
    assert.equal(q.remote.bars, 4);
    assert.equal(q.remote.bitrateKbps, 2500);
    assert.equal(q.poor, null);
  });

  it('local loss is that of the interval: lost / (lost + received) between the reports, not since the start', () => {
    // 2 streams × (100 received, 25 lost) in the interval: 20 %.
    const q = assessQuality(chromium(1000, 1000, 500), chromium(3000, 1100, 525));
    assert.equal(q.local.lossPct, 20);
    assert.equal(q.local.bars, 0);
    assert.equal(q.poor, 'local');
    // A bad past does not count once the interval is clean.
    assert.equal(assessQuality(chromium(3000, 1100, 525), chromium(5000, 1300, 525)).local.lossPct, 0);
  });

  it('the worst stream decides: audio losing a fifth while video (retransmitted) loses little', () => {
    const before = readQualitySample(chromiumReport({ at: 1000, received: 100, lost: 0, video: { received: 1000, lost: 0 } }));
    const after = readQualitySample(chromiumReport({ at: 3000, received: 180, lost: 20, video: { received: 1990, lost: 10 } }));
    assert.equal(assessQuality(before, after).local.lossPct, 20);
  });

  it(`a stream with fewer than ${MIN_PACKETS} packets in the interval says nothing about loss`, () => {
    const before = readQualitySample(chromiumReport({ at: 1000, received: 100, lost: 0, video: { received: 1000, lost: 0 } }));
    const after = readQualitySample(chromiumReport({ at: 3000, received: 105, lost: 4, video: { received: 1200, lost: 0 } }));
    assert.equal(assessQuality(before, after).local.lossPct, 0);
  });

  it('no previous report, an interval without packets, or a report older than the previous: local loss unknown', () => {
    assert.equal(assessQuality(null, chromium(1000, 100, 50)).local.lossPct, null);
    assert.equal(assessQuality(chromium(1000, 100, 0), chromium(3000, 100, 0)).local.lossPct, null);
    assert.equal(assessQuality(chromium(3000, 200, 0), chromium(1000, 100, 50)).local.lossPct, null);
  });

  it('the remote side follows their receiver reports (fractionLost) and our outgoing bitrate', () => {
    const q = assessQuality(chromium(1000, 100, 0), chromium(3000, 300, 0, { fraction: 0.12 }));
    assert.equal(q.remote.lossPct, 12);
    assert.equal(q.remote.bars, 1);
    assert.equal(q.local.bars, 4);
    assert.equal(q.poor, 'remote');
    assert.equal(assessQuality(null, chromium(3000, 300, 0, { bitrate: 50_000 })).remote.bars, 1);
  });

  it("without fractionLost (older Firefox): remote loss from the reports' cumulative packetsLost against our packetsSent in the interval", () => {
    const before = readQualitySample(firefoxReport({ at: 1000, received: 100, lost: 0, sent: 100, remoteLost: 0 }));
    const after = readQualitySample(firefoxReport({ at: 3000, received: 200, lost: 0, sent: 200, remoteLost: 10 }));
    const q = assessQuality(before, after);
    assert.equal(q.remote.lossPct, 10);
    assert.equal(q.remote.bars, 1);
    // Its round trip (from remote-inbound-rtp) stands in for the pair's on our side too.
    assert.equal(q.local.rttMs, 50);
    assert.equal(q.local.bars, 4);
  });

  it('both sides poor: the worse one is named, ours on a tie', () => {
    const both = (localLost: number, fraction: number) =>
      assessQuality(chromium(1000, 1000, 0), chromium(3000, 1100, localLost, { fraction }));
    // Local 20 % and remote 50 %: 0 bars each, a tie.
    assert.deepEqual([both(25, 0.5).local.bars, both(25, 0.5).remote.bars], [0, 0]);
    assert.equal(both(25, 0.5).poor, 'local');
    assert.equal(both(100, 0.1).poor, 'local'); // local 50 % (0) against remote 10 % (1)
    assert.equal(both(0, 0.1).poor, 'remote');
    // Two bars are not poor.
    assert.equal(POOR_BARS, 1);
    assert.equal(both(5, 0).poor, null); // local 4.8 %: 2 bars
  });
});

describe('holdPoor', () => {
  const side = (bars: number | null) => ({ bars, rttMs: null, lossPct: null, jitterMs: null, bitrateKbps: null });
  const q = (local: number | null, remote: number | null, poor: 'local' | 'remote' | null) => ({
    local: side(local),
    remote: side(remote),
    poor,
  });

  it('a poor side stays named at 2 bars, and goes at 3 or when unknown', () => {
    assert.equal(holdPoor(q(1, 4, 'local'), q(2, 4, null)).poor, 'local');
    assert.equal(holdPoor(q(2, 4, 'local'), q(2, 4, null)).poor, 'local');
    assert.equal(holdPoor(q(2, 4, 'local'), q(3, 4, null)).poor, null);
    assert.equal(holdPoor(q(1, 4, 'local'), q(null, 4, null)).poor, null);
    assert.equal(holdPoor(q(4, 1, 'remote'), q(4, 2, null)).poor, 'remote');
  });

  it('never makes a side poor by itself, and a new judgement of poor wins', () => {
    assert.equal(holdPoor(null, q(2, 2, null)).poor, null);
    assert.equal(holdPoor(q(4, 4, null), q(2, 4, null)).poor, null);
    assert.equal(holdPoor(q(1, 4, 'local'), q(4, 0, 'remote')).poor, 'remote');
  });
});
