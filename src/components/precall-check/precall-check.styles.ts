import { css } from 'lit';

export const precallCheckStyles = css`
  :host {
    display: block;
    --_meter-color: var(--rtc-precall-meter-color, var(--_success));
  }
  section {
    display: grid;
    gap: calc(var(--_space) * 2);
    padding: calc(var(--_space) * 2);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    background: var(--_bg);
    color: var(--_fg);
  }
  header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_space);
  }
  h2 {
    margin: 0;
    font-size: 1.15em;
  }
  h3 {
    display: flex;
    align-items: center;
    gap: calc(var(--_space) * 0.75);
    margin: 0;
    font-size: 1em;
  }
  p {
    margin: 0;
  }
  .checks {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
    gap: calc(var(--_space) * 2);
  }
  .check {
    display: grid;
    align-content: start;
    gap: var(--_space);
    padding: calc(var(--_space) * 1.5);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .camera {
    grid-row: span 3;
  }
  video {
    width: 100%;
    aspect-ratio: 16 / 9;
    border-radius: var(--_radius);
    background: #000;
    object-fit: cover;
    /* A mirror, as people expect of their own picture. */
    transform: scaleX(-1);
  }
  [part~='mic-meter'] {
    height: 12px;
    border-radius: 6px;
    background: var(--_border);
    overflow: hidden;
  }
  .level {
    display: block;
    height: 100%;
    background: var(--_meter-color);
    transform-origin: left;
    transition: transform 80ms linear;
  }
  :host(:dir(rtl)) .level {
    transform-origin: right;
  }
  ul {
    display: grid;
    gap: calc(var(--_space) * 0.5);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  li {
    display: flex;
    justify-content: space-between;
    gap: var(--_space);
  }
  li span:last-child {
    white-space: nowrap;
  }
  .good {
    color: var(--_success);
  }
  .bad {
    color: var(--_danger);
  }
  li.bad {
    color: var(--_muted);
  }
  audio {
    display: none;
  }
  [part~='verdict'] {
    display: grid;
    gap: calc(var(--_space) * 0.5);
    padding: calc(var(--_space) * 1.5);
    border-radius: var(--_radius);
    border-inline-start: 4px solid var(--_border);
    background: var(--_surface);
  }
  /* Empty while the checks run, but on the page: a live region must exist before its text arrives. */
  [part~='verdict'].pending {
    padding: 0;
    border: 0;
    background: none;
  }
  [part~='verdict'].ready {
    border-color: var(--_success);
  }
  [part~='verdict'].needs-relay,
  [part~='verdict'].video-may-not-work {
    border-color: var(--_warning);
  }
  [part~='verdict'].will-not-connect {
    border-color: var(--_danger);
  }
  @media (prefers-reduced-motion: reduce) {
    .level {
      transition: none;
    }
  }
`;
