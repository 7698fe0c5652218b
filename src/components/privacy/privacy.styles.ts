import { css } from 'lit';

export const privacyStyles = css`
  :host {
    display: block;
  }
  section {
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
  .dnd {
    display: flex;
    gap: var(--_space);
    align-items: center;
    font-weight: 600;
  }
  .dnd select {
    flex: 1;
    min-width: 0;
  }
  .invisible {
    display: flex;
    gap: calc(var(--_space) * 0.5);
    align-items: center;
    justify-content: flex-start;
  }
  .invisible input {
    flex: none;
    width: 1.1em;
    height: 1.1em;
    min-height: 0;
    margin: 0;
    padding: 0;
  }
  .error {
    margin: 0;
    color: var(--_danger);
  }
  .state {
    margin: 0;
    color: var(--_muted);
    font-size: 0.85em;
  }
`;
