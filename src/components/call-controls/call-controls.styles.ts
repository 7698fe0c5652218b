import { css } from 'lit';

export const callControlsStyles = css`
  :host {
    display: block;
    --_controls-bg: var(--rtc-call-controls-bg, var(--_surface));
    --_pressed-bg: var(--rtc-call-controls-pressed-bg, var(--_fg));
    --_pressed-fg: var(--rtc-call-controls-pressed-fg, var(--_bg));
  }
  [part~='controls'] {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: var(--_space);
    padding: var(--_space);
    background: var(--_controls-bg);
    border-radius: var(--_radius);
  }
  button {
    min-height: 44px;
  }
  .devices-panel {
    margin-block-start: var(--_space);
    padding: var(--_space);
    background: var(--_controls-bg);
    border-radius: var(--_radius);
  }
  button[aria-pressed='true'] {
    background: var(--_pressed-bg);
    border-color: var(--_pressed-bg);
    color: var(--_pressed-fg);
  }
  [part~='verify'] {
    margin-block-start: var(--_space);
    padding: var(--_space);
    background: var(--_controls-bg);
    border-radius: var(--_radius);
    text-align: center;
  }
  .code {
    font-size: 1.5em;
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.1em;
    white-space: nowrap;
  }
  .warning {
    color: var(--_warning);
    font-weight: 600;
  }
  @media (max-width: 480px) {
    .label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
    button {
      padding: 0;
      width: 48px;
    }
  }
`;
