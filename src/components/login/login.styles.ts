import { css } from 'lit';

export const loginStyles = css`
  :host {
    display: block;
    container-type: inline-size;
    --_login-bg: var(--rtc-login-bg, var(--_bg));
    --_login-max-width: var(--rtc-login-max-width, 400px);
  }
  form {
    display: grid;
    gap: calc(var(--_space) * 2);
    max-width: var(--_login-max-width);
    margin: 0 auto;
    padding: calc(var(--_space) * 3);
    background: var(--_login-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    box-shadow: 0 8px 30px rgb(0 0 0 / 0.08);
  }
  h2 {
    margin: 0;
    font-size: 1.35em;
  }
  .intro {
    margin: calc(var(--_space) * -1) 0 0;
    color: var(--_muted);
  }
  .field {
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
  label {
    font-weight: 600;
    font-size: 0.92em;
  }
  .hint {
    color: var(--_muted);
    font-size: 0.85em;
  }
  button[type='submit'] {
    width: 100%;
    min-height: 44px;
  }
  .switch {
    margin: 0;
    text-align: center;
    color: var(--_muted);
  }
  /* Phones: the widget's frame is card enough; no card inside it. */
  @container (max-width: 420px) {
    form {
      padding: var(--_space);
      border-color: transparent;
      box-shadow: none;
    }
  }
`;
