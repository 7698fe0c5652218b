import { css } from 'lit';

export const peerListStyles = css`
  :host {
    display: block;
    --_available: var(--rtc-peer-list-available-color, var(--_success));
    --_busy: var(--rtc-peer-list-busy-color, var(--_danger));
    --_away: var(--rtc-peer-list-away-color, var(--_warning));
    --_avatar-bg: var(--rtc-peer-list-avatar-bg, color-mix(in srgb, var(--_accent) 18%, var(--_bg)));
    --_avatar-fg: var(--_fg);
    --_avatar-size: 36px;
  }
  section {
    display: grid;
    gap: var(--_space);
  }
  .me {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_space);
    flex-wrap: wrap;
  }
  .rooms {
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
  .rooms label,
  .me label {
    font-weight: 600;
    font-size: 0.9em;
    color: var(--_muted);
  }
  .guest {
    font-style: italic;
  }
  li {
    display: flex;
    align-items: center;
    gap: calc(var(--_space) * 0.5);
    padding: calc(var(--_space) * 0.5);
    border-radius: var(--_radius);
    border: 1px solid transparent;
    transition: background var(--_transition);
  }
  li:hover,
  li.selected {
    background: var(--_surface);
  }
  li.selected {
    border-color: var(--_border);
  }
  .who {
    flex: 1;
    min-width: 0;
    display: flex;
    align-items: center;
    gap: var(--_space);
    justify-content: flex-start;
    border: 0;
    background: none;
    padding: 0 calc(var(--_space) * 0.5);
    text-align: start;
  }
  .dot {
    position: absolute;
    inset-inline-end: -1px;
    inset-block-end: -1px;
    width: 12px;
    height: 12px;
    border-radius: 50%;
    border: 2px solid var(--_bg);
    background: var(--_available);
  }
  .dot.busy {
    background: var(--_busy);
  }
  .dot.away {
    background: var(--_away);
  }
  .dot.offline {
    background: var(--_muted);
  }
  .text {
    display: grid;
    min-width: 0;
  }
  /* A long name is cut, never the tag after it that tells two people of that name apart. */
  .name {
    display: flex;
    min-width: 0;
    font-weight: 600;
    white-space: nowrap;
  }
  .name bdi {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .name .name-tag {
    flex: none;
  }
  .status {
    font-size: 0.85em;
    color: var(--_muted);
  }
  .unread {
    margin-inline-start: auto;
    min-width: 22px;
    padding: 1px 7px;
    border-radius: 11px;
    background: var(--_accent);
    color: var(--_accent-fg);
    font-size: 0.8em;
    font-weight: 700;
    text-align: center;
  }
  .actions {
    display: flex;
    gap: calc(var(--_space) * 0.5);
  }
  .actions button {
    width: 38px;
    min-height: 38px;
    color: var(--_accent);
  }
  .empty {
    margin: 0;
    padding: calc(var(--_space) * 2);
    border: 1px dashed var(--_border);
    border-radius: var(--_radius);
    color: var(--_muted);
    text-align: center;
  }
  /* The call on in the room shown, and joining it. */
  .room-call {
    display: grid;
    gap: calc(var(--_space) * 0.75);
    padding: var(--_space) calc(var(--_space) * 1.25);
    border: 1px solid color-mix(in srgb, var(--_success) 45%, transparent);
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_success) 10%, var(--_bg));
  }
  .room-call p {
    margin: 0;
  }
  [part~='room-call-text'] {
    font-weight: 600;
  }
  .full {
    color: var(--_muted);
  }
  .ring-actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
  }
  .start-call {
    justify-self: start;
  }
`;
