import { html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { SessionConsumer } from '../session-consumer.js';
import type { SessionError } from '../../core/types.js';
import { EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, checkName } from '../../protocol/index.js';
import { tokens, controls } from '../../styles/tokens.js';
import { loginStyles } from './login.styles.js';
import { errorText, texts } from '../../core/texts.js';
import { renderText } from '../names.js';
import { loadMqttWhenIdle } from '../../core/signaling.js';

/** Parts of `rtc-login`, re-exported by `<rtc-call>`. */
export const LOGIN_PARTS = ['login-form', 'login-title', 'name', 'email', 'password', 'submit', 'mode-switch', 'error'] as const;

export type LoginMode = 'sign-in' | 'register';

const words = texts.ui.login;

/**
 * The words for a sign-in error: the catalogue's sentence for its code (one wording everywhere),
 * except for invalid input, whose own message names what to fix (the backend's rule, in its words).
 */
export function visitorMessage(error: SessionError): string {
  return (error.code !== 'invalid_input' && errorText(error.code)) || error.message;
}

/**
 * @summary Sign-in and registration form of the call widget.
 *
 * Signs in or registers through the session it gets from `<rtc-call>` (or its
 * `session` property) and shows the session's authentication errors in clear
 * words: wrong password, email already taken, server unreachable.
 *
 * @csspart login-form - The form (card).
 * @csspart login-title - The form's heading.
 * @csspart name - The name input (registration only).
 * @csspart email - The email input.
 * @csspart password - The password input.
 * @csspart submit - The submit button.
 * @csspart mode-switch - The button switching between signing in and registering.
 * @csspart error - The error message.
 *
 * @cssproperty --rtc-login-bg - Background of the form card. Defaults to `--rtc-color-bg`.
 * @cssproperty --rtc-login-max-width - Maximum width of the form card (400px).
 */
export class RtcLogin extends SessionConsumer {
  static override styles = [tokens, controls, loginStyles];

  /** Whether the form signs in or registers a new account. */
  @property({ reflect: true }) mode: LoginMode = 'sign-in';

  @state() private busy = false;
  /** Why the typed name cannot be used (the backend's own rule, checked before sending). */
  @state() private nameProblem = '';

  protected override firstUpdated(): void {
    // The form is on screen: fetch the signalling client now, so signing in does not wait for it.
    loadMqttWhenIdle();
  }

  override render() {
    const registering = this.mode === 'register';
    const error = this.errorAt('login');
    const connection = this.sessionState.state?.connection;
    const busy = this.busy || connection === 'signing-in' || connection === 'connecting';
    return html`
      <form part="login-form" @submit=${this.onSubmit} aria-labelledby="title" aria-busy=${busy ? 'true' : 'false'}>
        <h2 id="title" part="login-title">${registering ? words.registerTitle : words.signInTitle}</h2>
        <p class="intro">${registering ? words.registerIntro : words.signInIntro}</p>
        ${
          registering
            ? html`<div class="field">
                <label for="name">${words.name}</label>
                <input id="name" name="name" part="name" autocomplete="name" required maxlength=${NAME_MAX_LENGTH} />
              </div>`
            : nothing
        }
        <div class="field">
          <label for="email">${words.email}</label>
          <input id="email" name="email" part="email" type="email" autocomplete="email" required maxlength=${EMAIL_MAX_LENGTH} />
        </div>
        <div class="field">
          <label for="password">${words.password}</label>
          <input
            id="password"
            name="password"
            part="password"
            type="password"
            required
            minlength=${PASSWORD_MIN_LENGTH}
            maxlength=${PASSWORD_MAX_LENGTH}
            autocomplete=${registering ? 'new-password' : 'current-password'}
            aria-describedby=${registering ? 'password-hint' : nothing}
          />
          ${registering ? html`<span id="password-hint" class="hint">${words.passwordHint(PASSWORD_MIN_LENGTH)}</span>` : nothing}
        </div>
        <div role="alert">
          ${
            registering && this.nameProblem
              ? html`<p class="error" part="error">${this.nameProblem}</p>`
              : error
                ? html`<p class="error" part="error">${renderText(visitorMessage(error))}</p>`
                : nothing
          }
        </div>
        <button type="submit" class="primary" part="submit" ?disabled=${busy}>
          ${busy ? words.wait : registering ? words.register : words.signIn}
        </button>
        <p class="switch">
          ${registering ? words.haveAccount : words.newHere}
          <button type="button" class="link" part="mode-switch" @click=${this.toggleMode}>
            ${registering ? words.toSignIn : words.toRegister}
          </button>
        </p>
      </form>
    `;
  }

  private toggleMode() {
    this.mode = this.mode === 'register' ? 'sign-in' : 'register';
  }

  private async onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const session = this.session;
    if (!session || this.busy) return;
    const data = new FormData(event.target as HTMLFormElement);
    const email = String(data.get('email') ?? '');
    const password = String(data.get('password') ?? '');
    const name = checkName(String(data.get('name') ?? ''));
    this.nameProblem = this.mode === 'register' && !name.ok ? words.nameProblem(words.nameRules[name.rule]) : '';
    if (this.nameProblem) return;
    this.busy = true;
    const registering = this.mode === 'register' && name.ok;
    await this.attempt('auth', (s) => (registering ? s.register(name.name, email, password) : s.signIn(email, password)));
    this.busy = false;
  }
}
