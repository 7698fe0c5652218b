import { css } from 'lit';

export const rtcCallStyles = css`
  :host {
    display: block;
    --_call-bg: var(--rtc-call-bg, var(--_bg));
    --_call-max-width: var(--rtc-call-max-width, 1100px);
    --_sidebar-width: var(--rtc-call-sidebar-width, 340px);
  }
  [part~='base'] {
    /* The layout follows the widget's own width, not the page's (on the frame, so the host still sizes to its content). */
    container-type: inline-size;
    max-width: var(--_call-max-width);
    margin: 0 auto;
    background: var(--_call-bg);
    color: var(--_fg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    overflow: hidden;
  }
  header {
    display: flex;
    align-items: center;
    gap: var(--_space);
    flex-wrap: wrap;
    padding: var(--_space) calc(var(--_space) * 2);
    border-block-end: 1px solid var(--_border);
    background: var(--_surface);
  }
  .title {
    display: flex;
    align-items: center;
    gap: var(--_space);
    margin: 0;
    font-size: 1.05em;
    font-weight: 700;
  }
  .title svg {
    color: var(--_accent);
  }
  .spacer {
    flex: 1;
  }
  [part~='status'] {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-size: 0.85em;
    color: var(--_muted);
  }
  [part~='status']::before {
    content: '';
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_muted);
  }
  [part~='status'].online::before {
    background: var(--_success);
  }
  [part~='status'].reconnecting::before,
  [part~='status'].connecting::before {
    background: var(--_warning);
  }
  .user {
    font-weight: 600;
    max-width: 14em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~='relay-only'] {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-size: 0.9em;
    cursor: pointer;
  }
  /* The short label ("Hide my IP") replaces the whole one on narrow widgets (below). */
  [part~='relay-only'] .label-short {
    display: none;
  }
  [part~='relay-only'] input {
    width: 18px;
    height: 18px;
    min-height: 0;
    margin: 0;
    accent-color: var(--_accent);
  }
  .signed-out {
    padding: calc(var(--_space) * 4) calc(var(--_space) * 2);
  }
  [part~='main'] {
    display: grid;
    grid-template-columns: var(--_sidebar-width) minmax(0, 1fr);
    min-height: 420px;
  }
  [part~='sidebar'] {
    padding: calc(var(--_space) * 2);
    border-inline-end: 1px solid var(--_border);
  }
  [part~='stage'] {
    display: grid;
    align-content: start;
    gap: calc(var(--_space) * 1.5);
    padding: calc(var(--_space) * 2);
    min-width: 0;
  }
  /* Without a call the conversation gets the whole column. */
  [part~='stage'].chat-only {
    --_chat-default-height: 460px;
  }
  .welcome {
    display: grid;
    place-items: center;
    gap: var(--_space);
    padding: calc(var(--_space) * 4) calc(var(--_space) * 2);
    border: 1px dashed var(--_border);
    border-radius: var(--_radius);
    text-align: center;
    color: var(--_muted);
  }
  .welcome svg {
    width: 32px;
    height: 32px;
    color: var(--_accent);
  }
  .welcome p {
    margin: 0;
    max-width: 34em;
  }
  .welcome strong {
    color: var(--_fg);
    font-size: 1.1em;
  }
  .instead {
    text-align: center;
    margin: var(--_space) 0 0;
  }
  .signed-out rtc-invite-card {
    margin-block-end: calc(var(--_space) * 2);
  }
  .invite-banner {
    padding: var(--_space);
  }
  rtc-invites {
    margin-block-start: var(--_space);
  }
  /* A long label wraps instead of spilling out of the sidebar (French, at the sidebar's 340px). */
  .precall-toggle {
    margin-block-start: calc(var(--_space) * 1.5);
    width: 100%;
    white-space: normal;
    padding-block: calc(var(--_space) * 0.5);
  }
  .banner {
    margin: var(--_space) calc(var(--_space) * 2) 0;
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_space);
  }
  .banner button {
    min-height: 32px;
  }
  @container (max-width: 720px) {
    [part~='main'] {
      grid-template-columns: minmax(0, 1fr);
    }
    [part~='sidebar'] {
      border-inline-end: 0;
      border-block-end: 1px solid var(--_border);
      order: 2;
    }
    [part~='stage'] {
      order: 1;
    }
    [part~='stage'].idle {
      order: 3;
    }
  }
  @container (max-width: 420px) {
    header {
      padding: var(--_space);
    }
    [part~='sidebar'],
    [part~='stage'] {
      padding: var(--_space);
    }
    .signed-out {
      padding: calc(var(--_space) * 2) var(--_space);
    }
    [part~='relay-only'] .label-long {
      display: none;
    }
    [part~='relay-only'] .label-short {
      display: inline;
    }
  }
`;
