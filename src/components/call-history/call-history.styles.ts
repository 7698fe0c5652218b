import { css } from 'lit';

export const callHistoryStyles = css`
  :host {
    display: block;
    --_panel-bg: var(--rtc-call-history-bg, var(--_surface));
    --_missed: var(--rtc-call-missed-color, var(--_danger));
  }
  .badge {
    margin-inline-start: calc(var(--_space) * 0.5);
    padding: 0 calc(var(--_space) * 0.75);
    border-radius: 999px;
    background: var(--_missed);
    color: var(--_danger-fg);
    font-size: 0.8em;
    font-weight: 600;
  }
  .banner {
    display: flex;
    align-items: center;
    gap: calc(var(--_space) * 0.5);
    margin-block-end: var(--_space);
    padding: calc(var(--_space) * 0.5) var(--_space);
    border-radius: var(--_radius);
    border: 1px solid var(--_missed);
    color: var(--_fg);
    background: color-mix(in srgb, var(--_missed) 10%, var(--_bg));
  }
  .banner span {
    flex: 1;
  }
  .list {
    margin-block-start: var(--_space);
  }
  .entry {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: 0 var(--_space);
    padding: calc(var(--_space) * 0.5) 0;
    border-block-start: 1px solid var(--_border);
  }
  .who {
    display: flex;
    gap: calc(var(--_space) * 0.5);
    align-items: baseline;
    font-weight: 600;
    min-width: 0;
  }
  .peer {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .direction {
    color: var(--_muted);
  }
  .details {
    grid-column: 1;
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_space);
    color: var(--_muted);
    font-size: 0.85em;
  }
  .missed .outcome,
  .missed .peer {
    color: var(--_missed);
  }
  .actions {
    grid-column: 2;
    grid-row: 1 / span 2;
    display: flex;
    gap: calc(var(--_space) * 0.25);
    align-items: center;
  }
  .more {
    margin-block-start: var(--_space);
  }
  .empty {
    color: var(--_muted);
    margin: var(--_space) 0 0;
  }
  .error {
    color: var(--_danger);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
