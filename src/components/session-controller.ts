import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionApi, SessionState } from '../core/types.js';
import { errorChanges } from './errors.js';

export interface SessionHost extends ReactiveControllerHost {
  session?: SessionApi;
}

/**
 * Re-renders its host whenever the session's state or its shown error (errors.ts) changes. The host gets its
 * session from context (or a property), which may arrive or change after the
 * host is connected, so the listener is (re)attached before every update.
 */
export class SessionController implements ReactiveController {
  private attached?: SessionApi;
  private readonly onChange = () => this.host.requestUpdate();
  private readonly onErrorChange = (event: Event) => {
    if ((event as CustomEvent<SessionApi>).detail === this.attached) this.host.requestUpdate();
  };

  constructor(private readonly host: SessionHost) {
    host.addController(this);
  }

  /** The current state, or undefined while no session is available. */
  get state(): SessionState | undefined {
    return this.host.session?.state;
  }

  hostConnected(): void {
    errorChanges.addEventListener('change', this.onErrorChange);
    this.attach();
  }

  hostUpdate(): void {
    this.attach();
  }

  hostDisconnected(): void {
    errorChanges.removeEventListener('change', this.onErrorChange);
    this.attached?.removeEventListener('change', this.onChange);
    this.attached = undefined;
  }

  private attach(): void {
    const session = this.host.session;
    if (session === this.attached) return;
    this.attached?.removeEventListener('change', this.onChange);
    this.attached = session;
    session?.addEventListener('change', this.onChange);
  }
}
