/**
 * Connection quality from getStats(): the figures of one report (`readQualitySample`, the same way
 * in Chromium and Firefox) and their judgement in 0–4 bars per side (`assessQuality`, pure: the
 * loss of the last interval comes from the difference between two reports).
 *
 * Sides, as a person in a peer-to-peer call can know them:
 * - local (mine): how the other side's media reaches us: loss and jitter of our `inbound-rtp`
 *   streams, and the round trip of the selected `candidate-pair`;
 * - remote (theirs): how our media reaches them, from the receiver reports they send back
 *   (`remote-inbound-rtp`: fractionLost, jitter, roundTripTime), and how fast the browser
 *   estimates it can send to them (`availableOutgoingBitrate`).
 * A path loses packets one way at a time, so loss and jitter say which side suffers; the round
 * trip is the same number for both sides.
 *
 * Measured (test/resilience/quality.test.ts, Chromium 156 and Firefox ESR 153): both name the
 * selected pair on the `transport` record and report `fractionLost` in `remote-inbound-rtp`; only
 * Chromium gives `availableOutgoingBitrate`; Firefox's pair can say `currentRoundTripTime: 0`
 * before it has measured one, which counts as unknown. Browsers without those (older Firefox)
 * are read through the pair's own `selected` flag and the reports' cumulative `packetsLost`.
 */
import { selectedCandidatePair } from './link-stats.js';
import type { CallQuality, LinkQuality } from './types.js';

/** The figures of one getStats() report that quality is judged on; null where the browser gives none. */
export interface QualitySample {
  /** The report's own clock, in ms. */
  at: number;
  /** Per inbound stream (by stats id): packets received and lost so far (cumulative). */
  inbound: Record<string, { received: number; lost: number }>;
  /** The worst inbound jitter. */
  jitterMs: number | null;
  /** The selected pair's current round trip. */
  pairRttMs: number | null;
  /** How fast the browser estimates it can send to the other side. */
  outgoingKbps: number | null;
  /** What the other side's receiver reports say about our streams. */
  remote: {
    /** The worst `fractionLost` of the latest reports, in percent. */
    lossPct: number | null;
    /** Per stream they report on, for browsers that report no fraction: lost (theirs) and sent (ours), cumulative. */
    streams: Record<string, { sent: number; lost: number }>;
    jitterMs: number | null;
    rttMs: number | null;
  };
  /** Round trip measured from the other side's sender reports (`remote-outbound-rtp`). */
  remoteOutboundRttMs: number | null;
}

type StatsRecord = Record<string, unknown>;

/** A number the report gives, or null (absent, or not a finite number). */
const figure = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

const secondsToMs = (value: unknown): number | null => {
  const s = figure(value);
  return s === null ? null : s * 1000;
};

/** The larger of two figures, either of which may be unknown. */
const worst = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** The quality figures of one getStats() report (any iterable of its records). */
export function readQualitySample(report: Iterable<StatsRecord>): QualitySample {
  const records = [...report];
  const byId = new Map(records.map((r) => [r.id, r]));
  const sample: QualitySample = {
    at: 0,
    inbound: {},
    jitterMs: null,
    pairRttMs: null,
    outgoingKbps: null,
    remote: { lossPct: null, streams: {}, jitterMs: null, rttMs: null },
    remoteOutboundRttMs: null,
  };
  for (const r of records) {
    sample.at = Math.max(sample.at, figure(r.timestamp) ?? 0);
    if (r.type === 'inbound-rtp') {
      sample.inbound[String(r.id)] = { received: figure(r.packetsReceived) ?? 0, lost: Math.max(0, figure(r.packetsLost) ?? 0) };
      sample.jitterMs = worst(sample.jitterMs, secondsToMs(r.jitter));
    } else if (r.type === 'remote-inbound-rtp') {
      const fraction = figure(r.fractionLost);
      sample.remote.lossPct = worst(sample.remote.lossPct, fraction === null ? null : fraction * 100);
      sample.remote.streams[String(r.id)] = {
        sent: figure(byId.get(r.localId)?.packetsSent) ?? 0,
        lost: Math.max(0, figure(r.packetsLost) ?? 0),
      };
      sample.remote.jitterMs = worst(sample.remote.jitterMs, secondsToMs(r.jitter));
      sample.remote.rttMs = worst(sample.remote.rttMs, secondsToMs(r.roundTripTime));
    } else if (r.type === 'remote-outbound-rtp') {
      sample.remoteOutboundRttMs = worst(sample.remoteOutboundRttMs, secondsToMs(r.roundTripTime));
    }
  }
  const pair = selectedCandidatePair(records, byId);
  if (pair) {
    // 0 is Firefox's "not measured yet": no link has a round trip of zero.
    const rtt = secondsToMs(pair.currentRoundTripTime);
    sample.pairRttMs = rtt !== null && rtt > 0 ? rtt : null;
    const bps = figure(pair.availableOutgoingBitrate);
    sample.outgoingKbps = bps === null ? null : bps / 1000;
  }
  return sample;
}

/**
 * Where each figure's bars step down: at or below the first value 4 bars, the second 3, the third
 * 2, the fourth 1, above it 0 (bitrate the other way round: at or above). Round trip after ITU-T
 * G.114 (up to 150 ms unnoticed, beyond 400 ms a conversation suffers); loss and jitter where
 * audio concealment and video freezes become noticeable.
 */
export const QUALITY_STEPS = {
  rttMs: [150, 300, 500, 1000],
  lossPct: [1, 3, 8, 15],
  jitterMs: [30, 60, 100, 200],
  bitrateKbps: [250, 120, 60, 30],
} as const;

/** At or below this many bars a side counts as poor, and the hint shows. */
export const POOR_BARS = 1;

type Steps = readonly [number, number, number, number];

const barsBelow = (value: number | null, steps: Steps): number | null => {
  if (value === null) return null;
  const over = steps.findIndex((step) => value <= step);
  return over === -1 ? 0 : 4 - over;
};

const barsAbove = (value: number | null, steps: Steps): number | null => {
  if (value === null) return null;
  const under = steps.findIndex((step) => value >= step);
  return under === -1 ? 0 : 4 - under;
};

/** Rounds a figure for display (one decimal), keeping null. */
const tidy = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);

/** One side's bars: the worst of its figures decides; null when none is known. */
export function scoreLink(figures: Omit<LinkQuality, 'bars'>): LinkQuality {
  const scores = [
    barsBelow(figures.rttMs, QUALITY_STEPS.rttMs),
    barsBelow(figures.lossPct, QUALITY_STEPS.lossPct),
    barsBelow(figures.jitterMs, QUALITY_STEPS.jitterMs),
    barsAbove(figures.bitrateKbps, QUALITY_STEPS.bitrateKbps),
  ].filter((s): s is number => s !== null);
  return {
    bars: scores.length ? Math.min(...scores) : null,
    rttMs: tidy(figures.rttMs),
    lossPct: tidy(figures.lossPct),
    jitterMs: tidy(figures.jitterMs),
    bitrateKbps: tidy(figures.bitrateKbps),
  };
}

/** Fewer packets than this in an interval say nothing about loss (a muted track, a paused video). */
export const MIN_PACKETS = 10;

/**
 * The worst loss of any stream over the interval, in percent: the difference of `lostOf` over
 * that of `totalOf`; null when no stream carried enough packets. Per stream, not summed: a stream
 * that loses much must not be hidden by a busier one that loses little.
 *
 * The browsers report the loss left after repair. Measured (test/resilience/quality.test.ts)
 * with 20 % of the packets reaching a browser dropped: 2–4 % per stream in both Chromium and
 * Firefox, about the square of the drop rate, as if a packet counted as lost only when its one
 * repair (audio redundancy, video retransmission) was lost too; 35 % dropped shows above 8 %.
 */
function worstLoss<T>(
  before: Record<string, T>,
  now: Record<string, T>,
  lostOf: (c: T) => number,
  totalOf: (c: T) => number,
): number | null {
  let loss: number | null = null;
  for (const [id, counts] of Object.entries(now)) {
    const old = before[id];
    if (!old) continue;
    const lost = lostOf(counts) - lostOf(old);
    const total = totalOf(counts) - totalOf(old);
    if (total < MIN_PACKETS) continue;
    loss = worst(loss, (Math.min(Math.max(0, lost), total) / total) * 100);
  }
  return loss;
}

const lostCount = (c: { lost: number }) => c.lost;

/**
 * Both sides' bars from the latest report and the one before it (null for the first): loss is
 * that of the interval between them, so a bad minute long ago does not keep the bars low.
 */
export function assessQuality(previous: QualitySample | null, current: QualitySample): CallQuality {
  const before = previous !== null && current.at >= previous.at ? previous : null;
  const localLoss = before ? worstLoss(before.inbound, current.inbound, lostCount, (c) => c.lost + c.received) : null;
  const remoteLoss =
    current.remote.lossPct ?? (before ? worstLoss(before.remote.streams, current.remote.streams, lostCount, (c) => c.sent) : null);
  const local = scoreLink({
    rttMs: current.pairRttMs ?? current.remote.rttMs ?? current.remoteOutboundRttMs,
    lossPct: localLoss,
    jitterMs: current.jitterMs,
    bitrateKbps: null,
  });
  const remote = scoreLink({
    rttMs: current.remote.rttMs ?? current.pairRttMs,
    lossPct: remoteLoss,
    jitterMs: current.remote.jitterMs,
    bitrateKbps: current.outgoingKbps,
  });
  return { local, remote, poor: poorSide(local, remote) };
}

/** The side whose bars are low (the worse one; ours on a tie: that is what we can act on). */
function poorSide(local: LinkQuality, remote: LinkQuality): CallQuality['poor'] {
  const low = (q: LinkQuality) => q.bars !== null && q.bars <= POOR_BARS;
  if (low(local) && (!low(remote) || local.bars! <= remote.bars!)) return 'local';
  return low(remote) ? 'remote' : null;
}

/**
 * The hint with hysteresis: a side once poor stays named until its bars reach POOR_BARS + 2.
 * Measured on a link dropping 35 % of its packets, the reported loss wanders between 6 and 16 %,
 * across the 1–2 bars step: without this the hint would come and go every poll.
 */
export function holdPoor(before: CallQuality | null, now: CallQuality): CallQuality {
  const was = before?.poor;
  if (!was || now.poor) return now;
  const bars = now[was].bars;
  return bars !== null && bars <= POOR_BARS + 1 ? { ...now, poor: was } : now;
}
