import { css } from 'lit';

export const fileTransfersStyles = css`
  /* In the chat's column: at most about half its height, the list scrolling and the send button always in view. */
  :host {
    display: flex;
    flex-direction: column;
    flex: 0 1 auto;
    min-height: 0;
    max-height: 50%;
    --_file-bar: var(--rtc-file-progress-color, var(--_accent));
  }
  [part~='files'] {
    display: flex;
    flex-direction: column;
    min-height: 0;
    gap: calc(var(--_space) * 0.5);
    padding: var(--_space) var(--_space) 0;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: calc(var(--_space) * 0.5);
    min-height: 0;
    overflow-y: auto;
  }
  .toolbar,
  [part~='file-drop'] {
    flex: none;
  }
  li {
    display: grid;
    gap: 2px;
    padding: calc(var(--_space) * 0.75);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  li.failed [part~='file-status'] {
    color: var(--_danger);
  }
  li.done [part~='file-status'] {
    color: var(--_success);
  }
  [part~='file-name'] {
    font-weight: 600;
    overflow-wrap: anywhere;
    unicode-bidi: plaintext;
  }
  [part~='file-meta'],
  [part~='file-status'] {
    font-size: 0.8em;
    color: var(--_muted);
  }
  progress {
    inline-size: 100%;
    accent-color: var(--_file-bar);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5);
  }
  .actions button,
  .actions a {
    font-size: 0.85em;
  }
  .toolbar {
    display: flex;
    align-items: center;
    gap: var(--_space);
  }
  [part~='file-drop'] {
    padding: calc(var(--_space) * 2);
    border: 2px dashed var(--_accent);
    border-radius: var(--_radius);
    text-align: center;
    color: var(--_accent);
  }
  input[type='file'] {
    display: none;
  }
  @media (prefers-reduced-motion: reduce) {
    progress {
      transition: none;
    }
  }
`;
