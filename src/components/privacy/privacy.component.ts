import { html, nothing } from 'lit';
import { formatClockTime, formatDuration } from '../../core/formats.js';
import type { DndChoice } from '../../core/types.js';
import { texts } from '../../core/texts.js';
import { tokens, controls } from '../../styles/tokens.js';
import { renderText } from '../names.js';
import { SessionConsumer } from '../session-consumer.js';
import { privacyStyles } from './privacy.styles.js';

/** Parts of `rtc-privacy`, re-exported by `<rtc-call>`. */
export const PRIVACY_PARTS = ['privacy', 'dnd-select', 'dnd-state', 'invisible', 'invisible-toggle', 'error'] as const;

const words = texts.ui.callHistory.privacy;

/** The periods offered, in minutes. */
const PERIODS = [60, 8 * 60] as const;

/** The `<select>` value standing for `choice`, and back. */
const choiceOf = (value: string): DndChoice | null =>
  value === 'off' || value === 'on' ? value : /^\d+$/.test(value) ? { minutes: Number(value) } : null;

/**
 * @summary Do-not-disturb (off, for a while, or until turned off) and invisible, kept for the visitor on every device.
 *
 * With do-not-disturb on, the backend declines incoming calls quietly (the caller reads "busy —
 * do not disturb"), others see the status, and chats still arrive. Invisible: nobody sees the
 * visitor online except whoever they call or write to (PROTOCOL.md §7). A change made on
 * another device shows here at once.
 *
 * @csspart privacy - The whole section.
 * @csspart dnd-select - The do-not-disturb choice.
 * @csspart dnd-state - What do-not-disturb does now, and until when.
 * @csspart invisible - The invisible label, with its checkbox.
 * @csspart invisible-toggle - The invisible checkbox.
 * @csspart error - Why a change could not be saved (the choices show what is stored).
 */
export class RtcPrivacy extends SessionConsumer {
  static override styles = [tokens, controls, privacyStyles];

  override render() {
    const state = this.sessionState.state;
    if (!state?.user) return nothing;
    const { dnd, dndUntil, invisible } = state.privacy;
    const timed = dnd && dndUntil !== null;
    const value = !dnd ? 'off' : timed ? 'current' : 'on';
    const error = this.errorAt('history');
    return html`<section part="privacy" aria-label=${words.title}>
      <label class="dnd">
        <span>${words.dnd}</span>
        <select part="dnd-select" .value=${value} @change=${this.onDnd}>
          <option value="off" ?selected=${value === 'off'}>${words.off}</option>
          ${timed ? html`<option value="current" selected>${formatClockTime(dndUntil)}</option>` : nothing}
          ${PERIODS.map((minutes) => html`<option value=${minutes}>${words.forPeriod(formatDuration(minutes * 60))}</option>`)}
          <option value="on" ?selected=${value === 'on'}>${words.untilOff}</option>
        </select>
      </label>
      ${
        dnd
          ? html`<p class="state" part="dnd-state" role="status">
              ${renderText(timed ? words.until(formatClockTime(dndUntil)) : words.on)}
            </p>`
          : nothing
      }
      <label class="invisible" part="invisible" title=${words.invisibleHint}>
        <input type="checkbox" part="invisible-toggle" .checked=${invisible} @change=${this.onInvisible} />
        <span>${words.invisible}</span>
      </label>
      ${invisible ? html`<p class="state">${words.invisibleHint}</p>` : nothing}
      ${error ? html`<p class="error" part="error" role="alert">${renderText(error.message)}</p>` : nothing}
    </section>`;
  }

  private readonly onDnd = (event: Event) => {
    const choice = choiceOf((event.target as HTMLSelectElement).value);
    if (choice) void this.attempt('history', (s) => s.setDoNotDisturb(choice));
  };

  private readonly onInvisible = (event: Event) => {
    const on = (event.target as HTMLInputElement).checked;
    void this.attempt('history', (s) => s.setInvisible(on));
  };
}
