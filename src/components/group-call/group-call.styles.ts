import { css } from 'lit';

export const groupCallStyles = css`
  :host {
    display: block;
    container-type: inline-size;
    --_avatar-size: 64px;
    --_stage-bg: var(--rtc-group-call-bg, #0d1117);
    --_stage-fg: var(--rtc-group-call-fg, #f2f4f8);
    --_speaking: var(--rtc-group-call-speaking-color, var(--_success));
    --_gap: var(--rtc-group-call-gap, var(--_space));
    --_thumb-width: var(--rtc-group-call-thumbnail-width, 160px);
  }
  [part~='group-call'] {
    display: grid;
    gap: var(--_gap);
    margin-block-end: var(--_space);
  }
  /* Columns by the number of tiles: 1, 2×1, 2×2, 3×2. */
  .grid {
    --_cols: 2;
    display: grid;
    grid-template-columns: repeat(var(--_cols), minmax(0, 1fr));
    gap: var(--_gap);
  }
  .grid[data-count='1'] {
    --_cols: 1;
  }
  .grid[data-count='5'],
  .grid[data-count='6'] {
    --_cols: 3;
  }
  .tile {
    position: relative;
    aspect-ratio: 16 / 9;
    min-width: 0;
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_stage-bg);
    color: var(--_stage-fg);
    outline: 3px solid transparent;
    outline-offset: -3px;
    transition: outline-color var(--_transition);
  }
  .grid[data-count='1'] .tile {
    max-height: 70vh;
    margin-inline: auto;
    width: 100%;
  }
  .tile.speaking {
    outline-color: var(--_speaking);
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
    background: var(--_stage-bg);
  }
  video.mirror {
    transform: scaleX(-1);
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
  }
  .caption {
    position: absolute;
    inset-inline-start: calc(var(--_space) * 0.75);
    inset-block-end: calc(var(--_space) * 0.75);
    inset-inline-end: calc(var(--_space) * 0.75);
    display: flex;
    align-items: center;
    gap: 6px;
    pointer-events: none;
  }
  [part~='tile-name'] {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    padding: 2px 8px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 0.85em;
    font-weight: 600;
  }
  .mark {
    display: inline-grid;
    place-items: center;
    flex: none;
    width: 24px;
    height: 24px;
    border-radius: 50%;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
  }
  [part~='tile-muted'] {
    background: color-mix(in srgb, var(--_danger) 85%, black);
  }
  .mark svg {
    width: 14px;
    height: 14px;
  }
  [part~='tile-state'] {
    position: absolute;
    inset-block-start: calc(var(--_space) * 0.75);
    inset-inline-start: calc(var(--_space) * 0.75);
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 2px 10px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.65);
    color: #fff;
    font-size: 0.85em;
  }
  [part~='tile-state'].lost {
    background: color-mix(in srgb, var(--_danger) 85%, black);
  }
  .tile[data-state='lost'] video,
  .tile[data-state='interrupted'] video {
    opacity: 0.5;
  }
  .spinner {
    width: 12px;
    height: 12px;
    border: 2px solid rgb(255 255 255 / 0.35);
    border-block-start-color: #fff;
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }
  /* A shared screen: shown whole, as large as the stage allows, the cameras in a strip below. */
  .screen {
    margin: 0 auto;
    width: 100%;
    position: relative;
    aspect-ratio: 16 / 9;
    max-height: 65vh;
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_stage-bg);
  }
  .screen video {
    object-fit: contain;
  }
  [part~='screen-name'] {
    position: absolute;
    inset-inline-start: var(--_space);
    inset-block-end: var(--_space);
    padding: 2px 10px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 0.85em;
  }
  .thumbnails {
    display: flex;
    justify-content: safe center;
    gap: var(--_gap);
    overflow-x: auto;
  }
  .thumbnails .tile {
    flex: none;
    width: var(--_thumb-width);
    --_avatar-size: 40px;
  }
  /* Phones: at most two columns (one column for two people, 2×2 for four), portrait tiles. */
  @container (max-width: 480px) {
    .grid[data-count='2'] {
      --_cols: 1;
    }
    .grid[data-count='5'],
    .grid[data-count='6'] {
      --_cols: 2;
    }
    .grid .tile {
      aspect-ratio: 3 / 4;
    }
    .grid[data-count='2'] .tile {
      aspect-ratio: 16 / 10;
    }
    .grid[data-count='5'] .tile,
    .grid[data-count='6'] .tile {
      aspect-ratio: 1;
    }
    .thumbnails .tile {
      width: calc(var(--_thumb-width) * 0.6);
      aspect-ratio: 3 / 4;
    }
    .tile {
      --_avatar-size: 48px;
    }
  }
`;
