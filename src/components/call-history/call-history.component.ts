import { html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { CallHistoryEntry } from '../../protocol/index.js';
import { formatDateTime, formatDuration, formatList } from '../../core/formats.js';
import { texts } from '../../core/texts.js';
import { tokens, controls, listSection, sidebarPanel } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { renderText } from '../names.js';
import { SessionConsumer } from '../session-consumer.js';
import { callHistoryStyles } from './call-history.styles.js';
import { CALL_HISTORY_PARTS } from './call-history.parts.js';

export { CALL_HISTORY_PARTS };

const words = texts.ui.callHistory;

/** "Answered", "Missed (do not disturb)": an entry's outcome in words. */
export function outcomeText(entry: CallHistoryEntry): string {
  const outcome = words.outcomes[entry.outcome];
  return entry.dnd ? `${outcome} (${words.dnd})` : outcome;
}

/**
 * @summary The visitor's own calls, newest first: who, which way, when, how long and how each ended; call back in one click, delete entries. Shows "missed call from …" when missed calls wait unseen.
 *
 * The history comes from the backend (PROTOCOL.md §7), which records each call from the
 * signalling it relays; it follows calls ending, and deletions on other devices, by itself.
 * Opening the panel marks the missed calls seen, on every device.
 *
 * @csspart missed-banner - "Missed call from …", shown while missed calls are unseen.
 * @csspart missed-show - The banner's button opening the history.
 * @csspart missed-dismiss - The banner's button hiding it (the calls stay unseen).
 * @csspart call-history - The panel (a disclosure).
 * @csspart call-history-toggle - The panel's summary, which opens and closes it.
 * @csspart missed-badge - How many missed calls are unseen, on the summary.
 * @csspart call-list - The list of calls.
 * @csspart call-item - One call; `data-outcome` and `data-direction` say which.
 * @csspart call-peer - The other person's name.
 * @csspart call-direction - Outgoing or incoming.
 * @csspart call-outcome - How the call ended: answered, missed, declined, cancelled, failed or busy.
 * @csspart call-time - When the call started.
 * @csspart call-duration - How long an answered call lasted.
 * @csspart call-back - The button calling the person back (disabled while they are not online).
 * @csspart call-delete - The button deleting the entry.
 * @csspart call-more - The button loading older calls.
 * @csspart call-empty - Shown when there are no calls.
 * @csspart error - Why loading, deleting or calling back failed.
 *
 * @cssproperty --rtc-call-history-bg - Background of the panel. Defaults to `--rtc-color-surface`.
 * @cssproperty --rtc-call-missed-color - Colour of missed calls and the badge. Defaults to `--rtc-color-danger`.
 */
export class RtcCallHistory extends SessionConsumer {
  static override styles = [tokens, controls, listSection, sidebarPanel, callHistoryStyles];

  @state() private open = false;
  /** The visitor hid the banner for these unseen calls. */
  @state() private bannerHidden = false;

  override render() {
    const state = this.sessionState.state;
    if (!state?.user) return nothing;
    const history = state.history;
    // An older backend without a history: nothing to show.
    if (!history.loaded) return nothing;
    const error = this.errorAt('history');
    const online = new Set(state.peers.map((p) => p.id));
    return html`
      ${this.renderBanner(history.unseenMissed, history.missedFrom)}
      <details part="call-history" ?open=${this.open} @toggle=${this.onToggle}>
        <summary part="call-history-toggle">
          ${words.title}
          ${history.unseenMissed > 0 ? html`<span class="badge" part="missed-badge">${words.badge(history.unseenMissed)}</span>` : nothing}
        </summary>
        ${error ? html`<p class="error" part="error" role="alert">${renderText(error.message)}</p>` : nothing}
        ${
          history.entries.length === 0
            ? html`<p class="empty" part="call-empty">${words.empty}</p>`
            : html`<ul class="list" part="call-list">
                ${repeat(
                  history.entries,
                  (entry) => entry.id,
                  (entry) => this.renderEntry(entry, online.has(entry.peer.id)),
                )}
              </ul>`
        }
        ${
          history.next
            ? html`<button type="button" class="more" part="call-more" @click=${() => this.attempt('history', (s) => s.loadMoreCalls())}>
                ${words.more}
              </button>`
            : nothing
        }
      </details>
    `;
  }

  private renderBanner(unseen: number, from: string[]) {
    if (unseen === 0 || this.bannerHidden || this.open) return nothing;
    return html`<div class="banner" part="missed-banner" role="status">
      <span>${renderText(words.missedFrom(unseen, formatList(from)))}</span>
      <button type="button" part="missed-show" @click=${this.show}>${words.show}</button>
      <button type="button" class="icon" part="missed-dismiss" aria-label=${words.dismiss} title=${words.dismiss} @click=${this.hideBanner}>
        ${icon('x')}
      </button>
    </div>`;
  }

  private renderEntry(entry: CallHistoryEntry, online: boolean) {
    const outgoing = entry.direction === 'outgoing';
    const name = entry.peer.name;
    return html`<li class="entry ${entry.outcome}" part="call-item" data-outcome=${entry.outcome} data-direction=${entry.direction}>
      <span class="who">
        <span class="direction" part="call-direction" title=${outgoing ? words.outgoing : words.incoming}>
          <span class="arrow" aria-hidden="true">${outgoing ? '↗' : '↙'}</span>
          <span class="visually-hidden">${outgoing ? words.outgoing : words.incoming}</span>
        </span>
        <bdi class="peer" part="call-peer">${name}</bdi>
      </span>
      <span class="details">
        <span class="outcome" part="call-outcome">${outcomeText(entry)}</span>
        <time part="call-time" datetime=${new Date(entry.startedAt).toISOString()}>${formatDateTime(entry.startedAt)}</time>
        ${
          entry.outcome === 'answered'
            ? html`<span part="call-duration">${words.lasted(formatDuration(Math.max(1, Math.round(entry.durationMs / 1000))))}</span>`
            : nothing
        }
      </span>
      <span class="actions">
        <button
          type="button"
          class="icon"
          part="call-back"
          ?disabled=${!online}
          aria-label=${words.callBackLabel(name)}
          title=${words.callBackLabel(name)}
          @click=${() => this.attempt('call', (s) => s.callBack(entry))}
        >
          ${icon(entry.media.video ? 'video' : 'phone')}
        </button>
        <button
          type="button"
          class="icon"
          part="call-delete"
          aria-label=${words.removeLabel(name)}
          title=${words.removeLabel(name)}
          @click=${() => this.attempt('history', (s) => s.deleteCall(entry.id))}
        >
          ${icon('x')}
        </button>
      </span>
    </li>`;
  }

  private readonly onToggle = (event: Event) => {
    this.open = (event.target as HTMLDetailsElement).open;
    if (this.open) void this.attempt('history', (s) => s.markCallsSeen());
  };

  private readonly show = () => {
    this.open = true;
    void this.attempt('history', (s) => s.markCallsSeen());
  };

  private readonly hideBanner = () => {
    this.bannerHidden = true;
  };
}
