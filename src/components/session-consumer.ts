import { LitElement } from 'lit';
import { consume } from '@lit/context';
import { updateWhenLocaleChanges } from '@lit/localize';
import { property } from 'lit/decorators.js';
import { sessionContext } from './context.js';
import { SessionController } from './session-controller.js';
import type { SessionApi, SessionError } from '../core/types.js';
import { attempt, errorAt, type ErrorPlace, type ErrorScope } from './errors.js';

/**
 * The base of the elements inside `<rtc-call>`: each takes the session that
 * `<rtc-call>` provides (`@consume`, following it when it is replaced) or the
 * one set on its `session` property when used alone, and re-renders whenever
 * that session's state changes, or the page's language (src/components/localization.ts).
 */
export class SessionConsumer extends LitElement {
  /** The call engine: from `<rtc-call>` through context, or set directly when the element is used alone. */
  @consume({ context: sessionContext, subscribe: true })
  @property({ attribute: false })
  session?: SessionApi;

  /** The session's state, re-read on every render. */
  protected readonly sessionState = new SessionController(this);

  constructor() {
    super();
    updateWhenLocaleChanges(this);
  }

  /** Runs a session action; if it rejects, the failure shows as an error of `scope` and fires `rtc-error`. */
  protected attempt(scope: ErrorScope, action: (session: SessionApi) => unknown): Promise<void> {
    return attempt(this, this.session, scope, action);
  }

  /** The error this element shows at `place`, or null (errors.ts decides where each error shows). */
  protected errorAt(place: ErrorPlace): SessionError | null {
    return errorAt(this.session, place);
  }
}
