import { css } from 'lit';

export const inviteCardStyles = css`
  :host {
    display: block;
    --_invite-card-bg: var(--rtc-invite-card-bg, var(--_bg));
  }
  section {
    display: grid;
    gap: var(--_space);
    max-width: 400px;
    margin: 0 auto;
    padding: calc(var(--_space) * 2);
    background: var(--_invite-card-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
  }
  h2 {
    margin: 0;
    font-size: 1.2em;
  }
  p {
    margin: 0;
  }
  .from,
  .hint {
    color: var(--_muted);
    font-size: 0.9em;
  }
  form {
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
  label {
    font-weight: 600;
    font-size: 0.92em;
  }
  .row {
    display: flex;
    gap: calc(var(--_space) * 0.5);
    flex-wrap: wrap;
  }
  .row input {
    flex: 1;
    min-width: 12ch;
  }
  .error,
  .problem {
    color: var(--_danger);
  }
  .failed {
    border-color: var(--_danger);
  }
  button[part~='invite-dismiss'] {
    justify-self: start;
  }
`;
