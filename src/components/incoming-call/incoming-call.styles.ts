import { css } from 'lit';

export const incomingCallStyles = css`
  :host {
    display: contents;
    --_dialog-bg: var(--rtc-incoming-call-bg, var(--_bg));
    --_backdrop: var(--rtc-incoming-call-backdrop, rgb(10 14 22 / 0.55));
    --_avatar-size: 72px;
  }
  .backdrop {
    position: fixed;
    inset: 0;
    z-index: 1000;
    display: grid;
    place-items: center;
    padding: calc(var(--_space) * 2);
    background: var(--_backdrop);
  }
  [part~='incoming-call'] {
    width: min(360px, 100%);
    display: grid;
    justify-items: center;
    gap: calc(var(--_space) * 1.5);
    padding: calc(var(--_space) * 3);
    border-radius: calc(var(--_radius) * 1.5);
    background: var(--_dialog-bg);
    color: var(--_fg);
    box-shadow: 0 20px 60px rgb(0 0 0 / 0.35);
    text-align: center;
    animation: pop var(--_transition-slow, 200ms) ease-out;
  }
  @keyframes pop {
    from {
      transform: scale(0.96);
      opacity: 0;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    [part~='incoming-call'] {
      animation: none;
    }
  }
  h2 {
    margin: 0;
    font-size: 1.25em;
  }
  p {
    margin: 0;
    color: var(--_muted);
  }
  [part~='ring-preview'] {
    width: 100%;
    aspect-ratio: 16 / 9;
    object-fit: cover;
    border-radius: var(--_radius);
    background: #000;
    /* A mirror, as in the call's own preview. */
    transform: scaleX(-1);
  }
  .buttons {
    display: flex;
    gap: var(--_space);
    width: 100%;
  }
  .buttons button {
    flex: 1;
    min-height: 48px;
  }
  button.accept {
    background: var(--rtc-incoming-call-accept-bg, var(--_success));
    border-color: var(--rtc-incoming-call-accept-bg, var(--_success));
    color: var(--rtc-incoming-call-accept-fg, var(--_success-fg));
    font-weight: 600;
  }
`;
