/**
 * The one context object through which `<rtc-call>` shares its `Session`
 * with the elements inside it (@lit/context).
 */
import { createContext } from '@lit/context';
import type { SessionApi } from '../core/types.js';

export const sessionContext = createContext<SessionApi | undefined>(Symbol.for('rtc-call.session'));
