import { css } from 'lit';

export const invitesStyles = css`
  :host {
    display: block;
    --_panel-bg: var(--rtc-invites-bg, var(--_surface));
  }
  .body {
    display: grid;
    gap: var(--_space);
    margin-block-start: var(--_space);
  }
  .new-room,
  .made {
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
  label {
    font-weight: 600;
    font-size: 0.9em;
  }
  .row {
    display: flex;
    gap: calc(var(--_space) * 0.5);
    flex-wrap: wrap;
    align-items: center;
  }
  .row input {
    flex: 1;
    min-width: 10ch;
  }
  .options {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
  }
  .options label {
    display: grid;
    gap: calc(var(--_space) * 0.25);
    font-weight: normal;
  }
  .options input {
    width: 9ch;
  }
  .hint {
    margin: 0;
    color: var(--_muted);
    font-size: 0.85em;
  }
  .error {
    margin: 0;
    color: var(--_danger);
  }
  li {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: calc(var(--_space) * 0.5);
    padding-block-end: calc(var(--_space) * 0.5);
    border-block-end: 1px solid var(--_border);
  }
  .what {
    display: grid;
    font-size: 0.9em;
  }
  .what span {
    color: var(--_muted);
  }
  .actions {
    display: flex;
    gap: calc(var(--_space) * 0.5);
  }
`;
