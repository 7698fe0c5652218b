import { html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import type { FileTransferView } from '../../core/types.js';
import { texts } from '../../core/texts.js';
import { formatDuration } from '../../core/formats.js';
import { formatBytes, formatSpeed } from '../../core/files/file-formats.js';
import { problemText } from '../../core/files/file-transfers.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { fileTransfersStyles } from './file-transfers.styles.js';

/** Parts of `rtc-file-transfers`, re-exported by `<rtc-chat>` and `<rtc-call>`. */
export const FILE_TRANSFER_PARTS = [
  'files',
  'file-send',
  'file-drop',
  'file-list',
  'file',
  'file-incoming',
  'file-outgoing',
  'file-name',
  'file-meta',
  'file-progress',
  'file-status',
  'file-accept',
  'file-decline',
  'file-cancel',
  'file-save',
  'file-dismiss',
] as const;

const words = texts.ui.files;

/** `showSaveFilePicker` of the File System Access API (Chromium); absent elsewhere. */
type SavePicker = (options: { suggestedName?: string }) => Promise<FileSystemFileHandle>;
const savePicker = (): SavePicker | null =>
  (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker?.bind(globalThis) ?? null;

/** The status line of a transfer. */
export function statusText(t: FileTransferView): string {
  switch (t.phase) {
    case 'offered':
      return t.direction === 'outgoing' ? words.waiting : '';
    case 'queued':
      return words.queued;
    case 'connecting':
      return words.connecting;
    case 'transferring':
      return t.bytesPerSecond > 0 && t.secondsLeft !== null
        ? words.progress(formatBytes(t.bytes), formatBytes(t.size), formatSpeed(t.bytesPerSecond), formatDuration(t.secondsLeft))
        : words.progressStarting(formatBytes(t.bytes), formatBytes(t.size));
    case 'verifying':
      return words.verifying;
    case 'done':
      return t.direction === 'outgoing' ? words.sent : t.savedToDisk ? words.savedToDisk : words.received;
    default:
      return t.problem ? problemText(t.problem) : '';
  }
}

const FINISHED = new Set(['done', 'declined', 'cancelled', 'failed']);

/**
 * @summary Files sent to and offered by one person, peer to peer (PROTOCOL.md §9), with or without a call.
 *
 * A "Send a file" button (several files at once), and files dropped anywhere on the element's
 * parent (the chat panel), are offered to the person. An offered file shows its name, size and
 * type with Accept and Decline; nothing is saved before Accept. Where the browser has the File
 * System Access API (Chromium), Accept asks where to save and the file is written there as it
 * arrives; elsewhere it is gathered in memory and offered as a download once complete and checked.
 * Both sides see progress, speed and time left, and can cancel at any point.
 *
 * @csspart files - The whole file area.
 * @csspart file-send - The "Send a file" button.
 * @csspart file-drop - The drop zone shown while files are dragged over the chat.
 * @csspart file-list - The list of transfers (a polite live region).
 * @csspart file - One transfer.
 * @csspart file-incoming - One transfer from the other person.
 * @csspart file-outgoing - One transfer to the other person.
 * @csspart file-name - A file's name.
 * @csspart file-meta - A file's size and type.
 * @csspart file-progress - The progress bar of a transfer.
 * @csspart file-status - A transfer's state: waiting, progress with speed and time left, done, or why it failed.
 * @csspart file-accept - The button that accepts an offered file.
 * @csspart file-decline - The button that declines an offered file.
 * @csspart file-cancel - The button that stops a transfer.
 * @csspart file-save - The link that saves a received file (a download).
 * @csspart file-dismiss - The button that removes an ended transfer from the list.
 *
 * @cssproperty --rtc-file-progress-color - Colour of the progress bars. Defaults to `--rtc-color-accent`.
 */
export class RtcFileTransfers extends SessionConsumer {
  static override styles = [tokens, controls, fileTransfersStyles];

  /** The id of the person files go to and come from. */
  @property({ attribute: 'peer-id' }) peerId = '';

  @state() private dragging = false;
  @query('input[type=file]') private picker?: HTMLInputElement;

  private dropZone: HTMLElement | null = null;
  private readonly onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    this.dragging = true;
  };
  private readonly onDragLeave = (event: DragEvent) => {
    if (event.relatedTarget instanceof Node && this.dropZone?.contains(event.relatedTarget)) return;
    this.dragging = false;
  };
  private readonly onDrop = (event: DragEvent) => {
    this.dragging = false;
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    void this.send(files);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    // The drop zone is the panel around this element (the chat), so a file dropped anywhere on the conversation is sent.
    this.dropZone = this.parentElement ?? (this.parentNode instanceof ShadowRoot ? (this.parentNode.host as HTMLElement) : null);
    this.dropZone?.addEventListener('dragover', this.onDragOver);
    this.dropZone?.addEventListener('dragleave', this.onDragLeave);
    this.dropZone?.addEventListener('drop', this.onDrop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.dropZone?.removeEventListener('dragover', this.onDragOver);
    this.dropZone?.removeEventListener('dragleave', this.onDragLeave);
    this.dropZone?.removeEventListener('drop', this.onDrop);
    this.dropZone = null;
  }

  override render() {
    const state = this.sessionState.state;
    if (!state || !this.peerId) return nothing;
    const transfers = state.fileTransfers.filter((t) => t.peerId === this.peerId);
    const online = state.peers.some((p) => p.id === this.peerId);
    return html`<div part="files">
      ${this.dragging ? html`<p part="file-drop">${words.dropHere}</p>` : nothing}
      ${
        transfers.length > 0
          ? html`<ul part="file-list" aria-live="polite" aria-label=${words.list}>
              ${repeat(
                transfers,
                (t) => t.id,
                (t) => this.renderTransfer(t),
              )}
            </ul>`
          : nothing
      }
      <div class="toolbar">
        <input type="file" multiple tabindex="-1" aria-hidden="true" @change=${this.onPicked} />
        <button type="button" part="file-send" ?disabled=${!online} @click=${() => this.picker?.click()}>
          ${icon('paperclip')}${words.send}
        </button>
      </div>
    </div>`;
  }

  private renderTransfer(t: FileTransferView) {
    const finished = FINISHED.has(t.phase);
    const classes = `${t.phase === 'done' ? 'done' : ''} ${t.phase === 'failed' || t.phase === 'cancelled' ? 'failed' : ''}`;
    const flowing = t.phase === 'transferring' || t.phase === 'verifying';
    return html`<li part="file ${t.direction === 'incoming' ? 'file-incoming' : 'file-outgoing'}" class=${classes} data-transfer=${t.id}>
      <span part="file-name">${t.name}</span>
      <span part="file-meta"
        >${t.direction === 'incoming' ? words.receiving : words.sending} · ${formatBytes(t.size)} · ${t.mime || words.unknownType}</span
      >
      ${flowing ? html`<progress part="file-progress" max=${Math.max(1, t.size)} .value=${t.bytes}></progress>` : nothing}
      <span part="file-status" role="status">${statusText(t)}</span>
      <span class="actions">
        ${
          t.direction === 'incoming' && t.phase === 'offered'
            ? html`<button type="button" class="primary" part="file-accept" @click=${() => this.accept(t)}>${words.accept}</button>
                <button type="button" part="file-decline" @click=${() => this.session?.declineFile(t.id)}>${words.decline}</button>`
            : nothing
        }
        ${
          !finished && !(t.direction === 'incoming' && t.phase === 'offered')
            ? html`<button type="button" class="danger" part="file-cancel" @click=${() => this.session?.cancelFile(t.id)}>
                ${words.cancel}
              </button>`
            : nothing
        }
        ${t.url ? html`<a part="file-save" href=${t.url} download=${t.name}>${words.save}</a>` : nothing}
        ${
          finished
            ? html`<button type="button" class="link" part="file-dismiss" @click=${() => this.session?.dismissFile(t.id)}>
                ${words.dismiss}
              </button>`
            : nothing
        }
      </span>
    </li>`;
  }

  private onPicked(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) void this.send(files);
  }

  private send(files: File[]): Promise<void> {
    return this.attempt('chat', (s) => s.sendFiles(this.peerId, files));
  }

  /**
   * Accept, in the click itself (the save picker needs the user's gesture): where the browser can
   * write to a file the visitor picks, it asks where; closing that dialog leaves the offer open.
   */
  private async accept(t: FileTransferView): Promise<void> {
    const pick = savePicker();
    let saveTo: FileSystemFileHandle | undefined;
    if (pick) {
      try {
        saveTo = await pick({ suggestedName: t.name });
      } catch (e) {
        if ((e as Error).name === 'AbortError') return;
        // Refused for another reason (a policy, a sandboxed frame): gather it for a download instead.
      }
    }
    await this.attempt('chat', (s) => s.acceptFile(t.id, saveTo ? { saveTo } : {}));
  }
}
