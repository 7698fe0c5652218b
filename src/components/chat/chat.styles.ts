import { css } from 'lit';

export const chatStyles = css`
  :host {
    display: block;
    --_own-bg: var(--rtc-chat-own-bg, var(--_accent));
    --_own-fg: var(--rtc-chat-own-fg, var(--_accent-fg));
    --_their-bg: var(--rtc-chat-their-bg, var(--_surface));
    --_their-fg: var(--rtc-chat-their-fg, var(--_fg));
    --_chat-height: var(--rtc-chat-height, var(--_chat-default-height, 360px));
  }
  /* The room chat (rtc-room-chat) is the same panel. */
  [part~='chat'],
  [part~='room-chat'] {
    display: flex;
    flex-direction: column;
    height: var(--_chat-height);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    overflow: hidden;
  }
  h2 {
    margin: 0;
    padding: var(--_space) calc(var(--_space) * 1.5);
    font-size: 1em;
    border-block-end: 1px solid var(--_border);
  }
  .messages {
    flex: 1;
    display: flex;
    flex-direction: column;
    overflow-y: auto;
    padding: calc(var(--_space) * 1.5);
  }
  ol {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: var(--_space);
  }
  li {
    max-width: 80%;
    display: grid;
    gap: 2px;
  }
  li.mine {
    align-self: flex-end;
    justify-items: end;
  }
  /* The header sits outside the bubble in small muted type: a line typed inside a bubble never looks like it. */
  .meta {
    font-size: 0.78em;
    color: var(--_muted);
  }
  /*
   * Line breaks are kept (pre-wrap) inside one bounded box: border and background
   * enclose the whole text, whatever the theme's colours, so extra lines stay inside
   * their sender's bubble. plaintext isolates the text and sets each line's direction
   * from its own content: a direction override cannot reach past the bubble.
   */
  .bubble {
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.25);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.2);
    background: var(--_their-bg);
    color: var(--_their-fg);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    unicode-bidi: plaintext;
  }
  li.mine .bubble {
    background: var(--_own-bg);
    color: var(--_own-fg);
  }
  li.sending .bubble {
    opacity: 0.7;
  }
  [part~='message-failed'] {
    color: var(--_danger);
    font-size: 0.8em;
    font-weight: 600;
  }
  /* Messages while away: an own message kept for someone offline, and one kept while the visitor was away. */
  .note {
    color: var(--_muted);
    font-size: 0.8em;
    font-style: italic;
  }
  li.waiting .bubble {
    border-style: dashed;
  }
  [part~='message-withdraw'] {
    font-size: 0.8em;
  }
  .empty {
    margin: auto;
    color: var(--_muted);
    text-align: center;
    padding: var(--_space);
  }
  form {
    display: flex;
    gap: var(--_space);
    padding: var(--_space);
    border-block-start: 1px solid var(--_border);
  }
  form .error {
    margin: 0 var(--_space) var(--_space);
  }
  input {
    flex: 1;
    min-width: 0;
  }
`;
