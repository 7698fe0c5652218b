import { css } from 'lit';

export const deviceSettingsStyles = css`
  :host {
    display: block;
    --_gap: var(--rtc-device-settings-gap, var(--_space));
  }
  [part~='device-settings'] {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: var(--_gap);
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_space) / 2);
    min-width: 12em;
    flex: 1 1 12em;
  }
  label {
    font-size: 0.9em;
    color: var(--_muted);
  }
  select {
    width: 100%;
    max-width: 100%;
    text-overflow: ellipsis;
  }
  .hint,
  .message {
    flex-basis: 100%;
    margin: 0;
    font-size: 0.9em;
  }
  .hint {
    color: var(--_muted);
  }
  /* Kept in the accessibility tree while empty, so the live region exists before it speaks. */
  .message.empty {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  }
`;
