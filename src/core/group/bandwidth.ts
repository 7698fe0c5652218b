/**
 * What each sender of a group call may spend on video. In a full mesh every member uploads its
 * video once per other member, so the upload is multiplied by n−1 (issue #14): a per-person budget
 * is divided among the links, and the picture is made smaller as the call grows, so that a
 * smaller bitrate still looks sharp rather than blocky.
 */

/** What one person may upload for video in all, across every link (a home uplink carries this well). */
export const GROUP_UPLOAD_BUDGET_BPS = 2_500_000;
/** No link gets more than this: a 1:1-like call at 720p needs no more. */
export const LINK_VIDEO_CEILING_BPS = 1_500_000;
/** No link gets less than this: below it the encoder cannot keep a moving picture. */
export const LINK_VIDEO_FLOOR_BPS = 150_000;

/** The cap of one link's video sender (`RTCRtpEncodingParameters`). */
export interface VideoLimit {
  maxBitrate: number;
  /** 1 = full size; 2 = half the width and height. */
  scaleResolutionDownBy: number;
}

/**
 * The video limit of each link in a call of `people` members (this tab included). A shared
 * screen keeps its full size: text on it must stay readable; it gets the same bitrate.
 */
export function groupVideoLimit(people: number, screen = false): VideoLimit {
  const links = Math.max(1, people - 1);
  const share = Math.floor(GROUP_UPLOAD_BUDGET_BPS / links);
  const maxBitrate = Math.max(LINK_VIDEO_FLOOR_BPS, Math.min(LINK_VIDEO_CEILING_BPS, share));
  return { maxBitrate, scaleResolutionDownBy: screen ? 1 : scaleFor(people) };
}

/** 720p for 2, about 480p for 3, 360p for 4, 240p from 5 on (of a 720p camera). */
function scaleFor(people: number): number {
  if (people <= 2) return 1;
  if (people === 3) return 1.5;
  if (people === 4) return 2;
  return 3;
}
