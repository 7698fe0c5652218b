import { css } from 'lit';

export const videoStageStyles = css`
  :host {
    display: block;
    container-type: inline-size;
    --_avatar-size: 84px;
    --_stage-bg: var(--rtc-video-stage-bg, #0d1117);
    --_stage-fg: var(--rtc-video-stage-fg, #f2f4f8);
    --_local-width: var(--rtc-video-stage-local-width, 28%);
  }
  [part~='video-stage'] {
    position: relative;
    aspect-ratio: 16 / 9;
    max-height: 70vh;
    width: 100%;
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_stage-bg);
    color: var(--_stage-fg);
  }
  video {
    display: block;
    background: var(--_stage-bg);
  }
  [part~='remote-video'] {
    width: 100%;
    height: 100%;
    object-fit: contain;
  }
  [part~='local-video'] {
    position: absolute;
    inset-inline-end: var(--_space);
    inset-block-end: var(--_space);
    width: var(--_local-width);
    min-width: 96px;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: calc(var(--_radius) * 0.75);
    border: 2px solid rgb(255 255 255 / 0.7);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.4);
  }
  [part~='local-video'].mirror {
    transform: scaleX(-1);
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-content: center;
    justify-items: center;
    gap: var(--_space);
    text-align: center;
  }
  .ringing .avatar {
    animation: pulse 1.6s ease-in-out infinite;
  }
  @keyframes pulse {
    50% {
      box-shadow: 0 0 0 14px color-mix(in srgb, var(--_accent) 25%, transparent);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .ringing .avatar {
      animation: none;
    }
  }
  .overlay {
    position: absolute;
    inset-inline-start: var(--_space);
    inset-block-start: var(--_space);
    inset-inline-end: var(--_space);
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    gap: calc(var(--_space) * 0.5);
    pointer-events: none;
  }
  [part~='call-state'] {
    max-width: 100%;
    padding: calc(var(--_space) * 0.5) var(--_space);
    border-radius: var(--_radius);
    background: rgb(0 0 0 / 0.55);
    color: #fff;
    font-weight: 600;
  }
  .indicators {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5);
  }
  [part~='indicator'] {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 4px 10px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 0.85em;
  }
  [part~='indicator'] svg {
    width: 14px;
    height: 14px;
  }
  /* The state line, and the connection bars at the right end of its row. */
  .top {
    display: flex;
    align-items: flex-start;
    gap: var(--_space);
    width: 100%;
  }
  /* A long state line wraps rather than pushing the bars off a narrow stage. */
  .top [part~='call-state'] {
    min-width: 0;
  }
  /* Connection bars: four rising bars lit up to the level, coloured by it. */
  [part~='quality'] {
    margin-inline-start: auto;
    flex: none;
    display: flex;
    flex-direction: column;
    align-items: flex-end;
    gap: 4px;
  }
  [part~='quality-local'],
  [part~='quality-remote'] {
    --_level: var(--rtc-quality-good, #3fb950);
    display: inline-flex;
    align-items: flex-end;
    gap: 6px;
    padding: 3px 8px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 0.75em;
    line-height: 1;
  }
  [data-bars='2'] {
    --_level: var(--rtc-quality-fair, #d29922);
  }
  [data-bars='0'],
  [data-bars='1'] {
    --_level: var(--rtc-quality-poor, #f85149);
  }
  .who {
    max-width: 10ch;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .bars {
    display: inline-flex;
    align-items: flex-end;
    gap: 2px;
    height: 14px;
  }
  .bar {
    width: 4px;
    height: 25%;
    border-radius: 1px;
    background: var(--rtc-quality-unlit, rgb(255 255 255 / 0.3));
  }
  /* Heights by position, not an inline style: a strict CSP (style-src-attr 'none') refuses those. */
  .bar:nth-child(2) {
    height: 50%;
  }
  .bar:nth-child(3) {
    height: 75%;
  }
  .bar:nth-child(4) {
    height: 100%;
  }
  .bar.lit {
    background: var(--_level);
  }
  [part~='quality-hint'] {
    max-width: 100%;
    padding: 4px 10px;
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--rtc-quality-poor, #f85149) 80%, black);
    color: #fff;
    font-size: 0.85em;
  }
  /* Phones: a portrait stage, so the other person fills the screen and the overlays do not collide. */
  @container (max-width: 480px) {
    [part~='video-stage'] {
      aspect-ratio: 3 / 4;
      max-height: 60vh;
    }
    /* Fill the portrait stage with the camera picture; a shared screen is shown whole. */
    [part~='remote-video']:not(.screen) {
      object-fit: cover;
    }
    [part~='local-video'] {
      width: 34%;
    }
    .placeholder {
      --_avatar-size: 64px;
    }
  }
`;
