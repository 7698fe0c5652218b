import { css } from 'lit';

export const privacyStyles = css`
  :host {
    display: block;
  }
  section {
    display: grid;
    /* One column as wide as the sidebar, never wider: an auto column would grow to the select's
       longest option (French "Jusqu'à ce que je le désactive") and push the sidebar sideways. */
    grid-template-columns: minmax(0, 1fr);
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
