/**
 * Traffic figures of a peer connection (bytes per kind, inbound video size, the selected
 * candidate types), read from getStats() the same way in Chromium and Firefox.
 */

export interface LinkStats {
  bytesReceived: { audio: number; video: number };
  bytesSent: { audio: number; video: number };
  /** Inbound video frame size, 0 when unknown. */
  frameWidth: number;
  frameHeight: number;
  framesDecoded: number;
  /** Local candidate type of the selected pair: host, srflx, prflx or relay; null before a pair is chosen. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

/** Figures of a link that carried nothing yet. */
export function emptyLinkStats(): LinkStats {
  return {
    bytesReceived: { audio: 0, video: 0 },
    bytesSent: { audio: 0, video: 0 },
    frameWidth: 0,
    frameHeight: 0,
    framesDecoded: 0,
    localCandidateType: null,
    remoteCandidateType: null,
  };
}

type StatsRecord = Record<string, unknown>;

/**
 * The selected candidate pair of a getStats() report: the `transport` record names it (Chromium,
 * Firefox ESR), else the pair says so itself (`selected`, older Firefox). A pair marked not
 * nominated is never the one in use.
 */
export function selectedCandidatePair(records: Iterable<StatsRecord>, byId?: ReadonlyMap<unknown, StatsRecord>): StatsRecord | undefined {
  const all = [...records];
  const index = byId ?? new Map(all.map((r) => [r.id, r]));
  for (const r of all) {
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') return index.get(r.selectedCandidatePairId);
  }
  return all.find((r) => r.type === 'candidate-pair' && r.selected === true && r.nominated !== false);
}

/** Sums RTP byte counters by kind and finds the selected candidate pair (Chromium and Firefox report it differently). */
export async function readLinkStats(pc: RTCPeerConnection): Promise<LinkStats> {
  const report = await pc.getStats();
  const out = emptyLinkStats();
  const byId = new Map<unknown, StatsRecord>();
  report.forEach((s: StatsRecord) => byId.set(s.id, s));
  for (const s of byId.values()) {
    const kind = s.kind === 'video' || s.mediaType === 'video' ? 'video' : 'audio';
    if (s.type === 'inbound-rtp') {
      out.bytesReceived[kind] += Number(s.bytesReceived ?? 0);
      if (kind === 'video') {
        out.frameWidth = Number(s.frameWidth ?? out.frameWidth);
        out.frameHeight = Number(s.frameHeight ?? out.frameHeight);
        out.framesDecoded += Number(s.framesDecoded ?? 0);
      }
    } else if (s.type === 'outbound-rtp') {
      out.bytesSent[kind] += Number(s.bytesSent ?? 0);
    }
  }
  const pair = selectedCandidatePair(byId.values(), byId);
  if (pair) {
    const local = byId.get(pair.localCandidateId as string);
    const remote = byId.get(pair.remoteCandidateId as string);
    out.localCandidateType = (local?.candidateType as string | undefined) ?? null;
    out.remoteCandidateType = (remote?.candidateType as string | undefined) ?? null;
  }
  return out;
}
