/** The round initial shown for a person (people list, call stage, incoming call). */
import { css } from 'lit';

export const initial = (name: string): string => (name.trim()[0] ?? '?').toUpperCase();

/** `.avatar`; each element sets `--_avatar-size` and, if it wants, `--_avatar-bg` / `--_avatar-fg`. */
export const avatarStyles = css`
  .avatar {
    position: relative;
    display: grid;
    place-items: center;
    flex: none;
    width: var(--_avatar-size, 36px);
    height: var(--_avatar-size, 36px);
    border-radius: 50%;
    background: var(--_avatar-bg, var(--_accent));
    color: var(--_avatar-fg, var(--_accent-fg));
    font-size: calc(var(--_avatar-size, 36px) * 0.42);
    font-weight: 700;
  }
`;
