/**
 * Shared design tokens. A page themes the widget with the global `--rtc-*`
 * custom properties (they inherit through shadow roots); every element reads
 * them into private `--_*` variables on `:host` with light and dark defaults,
 * and its own per-element properties default to those.
 */
import { css } from 'lit';

export const tokens = css`
  :host {
    --_bg: var(--rtc-color-bg, #ffffff);
    --_surface: var(--rtc-color-surface, #f4f6f9);
    --_fg: var(--rtc-color-fg, #1b2330);
    --_muted: var(--rtc-color-muted, #5c6778);
    --_border: var(--rtc-color-border, #d5dbe3);
    --_accent: var(--rtc-color-accent, #2457d6);
    --_accent-fg: var(--rtc-color-accent-fg, #ffffff);
    --_danger: var(--rtc-color-danger, #c62828);
    --_danger-fg: var(--rtc-color-danger-fg, #ffffff);
    --_success: var(--rtc-color-success, #1e7d3a);
    --_success-fg: var(--rtc-color-success-fg, #ffffff);
    --_warning: var(--rtc-color-warning, #a05a00);
    --_radius: var(--rtc-radius, 10px);
    --_font-family: var(--rtc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    --_font-size: var(--rtc-font-size, 15px);
    --_space: var(--rtc-spacing, 8px);
    --_focus: var(--rtc-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 45%, transparent));
    --_transition: 150ms ease;
    font-family: var(--_font-family);
    font-size: var(--_font-size);
    color: var(--_fg);
    box-sizing: border-box;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--rtc-color-bg, #141922);
      --_surface: var(--rtc-color-surface, #1d2430);
      --_fg: var(--rtc-color-fg, #e8ecf2);
      --_muted: var(--rtc-color-muted, #9aa5b5);
      --_border: var(--rtc-color-border, #323b4a);
      --_accent: var(--rtc-color-accent, #6f9bff);
      --_accent-fg: var(--rtc-color-accent-fg, #0b1220);
      --_danger: var(--rtc-color-danger, #ff6b6b);
      --_danger-fg: var(--rtc-color-danger-fg, #1a0b0b);
      --_success: var(--rtc-color-success, #4cc27a);
      --_success-fg: var(--rtc-color-success-fg, #0b1a10);
      --_warning: var(--rtc-color-warning, #f0a94a);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    :host {
      --_transition: 0s;
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  [hidden] {
    display: none !important;
  }
  /* No inline margin: in right-to-left text a -1px one pushed the box past the widget's end (the page scrolled sideways by 1px in Arabic, test/e2e/languages.test.ts). */
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  /* Names are other people's text: isolated, so they cannot reorder what surrounds them (<bdi> does it too). */
  .person-name {
    unicode-bidi: isolate;
  }
  .name-tag {
    color: var(--_muted);
    font-weight: normal;
    font-size: 0.9em;
    white-space: nowrap;
  }
`;

/** Buttons, inputs and focus rings shared by every element. */
export const controls = css`
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: var(--_fg);
  }
  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: calc(var(--_space) * 0.75);
    min-height: 40px;
    padding: 0 calc(var(--_space) * 2);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    cursor: pointer;
    transition:
      background var(--_transition),
      border-color var(--_transition),
      transform var(--_transition);
    white-space: nowrap;
  }
  button:hover:not(:disabled) {
    border-color: var(--_accent);
  }
  button:active:not(:disabled) {
    transform: translateY(1px);
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
    font-weight: 600;
  }
  button.danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: var(--_danger-fg);
    font-weight: 600;
  }
  button.link {
    min-height: 0;
    padding: 0;
    border: 0;
    background: none;
    color: var(--_accent);
    text-decoration: underline;
  }
  button.icon {
    padding: 0;
    width: 40px;
  }
  input,
  select,
  textarea {
    min-height: 40px;
    padding: 0 calc(var(--_space) * 1.25);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    width: 100%;
  }
  select {
    width: auto;
  }
  :is(button, input, select, textarea, a, [tabindex]):focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
    box-shadow: var(--_focus);
  }
  svg {
    width: 18px;
    height: 18px;
    flex: none;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  /* Icons that point along the line of text (send, sign out) turn round in right-to-left languages. */
  svg.mirror-rtl:dir(rtl) {
    transform: scaleX(-1);
  }
  .error {
    color: var(--_danger);
    background: color-mix(in srgb, var(--_danger) 10%, transparent);
    border: 1px solid color-mix(in srgb, var(--_danger) 35%, transparent);
    border-radius: var(--_radius);
    padding: var(--_space) calc(var(--_space) * 1.5);
    margin: 0;
  }
`;

/**
 * A small muted heading over a bare list, as the people list and the invites
 * panel have: `.list-heading` on the heading, `.list` on the `<ul>`.
 */
export const listSection = css`
  .list-heading {
    margin: var(--_space) 0 0;
    font-size: 0.8em;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--_muted);
  }
  .list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: calc(var(--_space) * 0.5);
  }
`;

/**
 * A collapsible panel of the signed-in sidebar, a `<details>` and its `<summary>`, as the call
 * history and the invites have. Its background is `--_panel-bg`, which each host sets from its own
 * public custom property.
 */
export const sidebarPanel = css`
  details {
    background: var(--_panel-bg, var(--_surface));
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 0.75) var(--_space);
  }
  summary {
    cursor: pointer;
    font-weight: 600;
  }
`;
