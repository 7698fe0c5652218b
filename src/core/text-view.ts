/**
 * How a catalogue of sentences follows the page's language (src/core/texts.ts explains the
 * catalogue). `textView(build)` gives a read-only view of `build()` that looks every entry up when
 * it is read, in the language loaded then: the object is built again after a change of language
 * or of format locale. Several catalogues share this: the first paint's (texts-sign-in.ts), in the
 * initial script, and the whole one (texts.ts), loaded with the call engine.
 */
import { LOCALE_STATUS_EVENT, type LocaleStatusEventDetail } from '@lit/localize';
import { formatLocale } from './formats.js';

/** Counts the languages made ready so far: a catalogue built under an older count is stale. */
let language = 0;
const languageListeners = new Set<() => void>();

/**
 * Calls `listener` each time another language is ready, so a sentence composed earlier and kept
 * (the status line of a call) can be composed again. Returns the function that stops it.
 */
export function onLanguageChange(listener: () => void): () => void {
  languageListeners.add(listener);
  return () => languageListeners.delete(listener);
}

// A locale module finished loading (src/components/localization.ts): the next read builds each
// catalogue again in that language. This listener runs before any element re-renders, since
// `updateWhenLocaleChanges` only requests an update. Node (unit tests) has no `addEventListener`.
globalThis.addEventListener?.(LOCALE_STATUS_EVENT, (event) => {
  const detail = (event as CustomEvent<LocaleStatusEventDetail>).detail;
  if (detail.status !== 'ready') return;
  language += 1;
  languageListeners.forEach((listener) => listener());
});

const isSection = (value: unknown): value is Record<PropertyKey, unknown> => typeof value === 'object' && value !== null;

/** A view of the catalogue `build` makes, in the language loaded now (see the file's comment). */
export function textView<T extends object>(build: () => T): T {
  let built: { texts: T; formats: string; language: number } | undefined;
  const current = (): T => {
    if (built?.formats !== formatLocale() || built.language !== language) built = { texts: build(), formats: formatLocale(), language };
    return built.texts;
  };
  /**
   * The view at `path`. Sections come back as views too, so a section kept in a variable
   * (`const words = texts.ui.chat`) follows a change of language.
   */
  const view = (path: readonly PropertyKey[]): object => {
    const section = () =>
      path.reduce<Record<PropertyKey, unknown>>(
        (node, key) => node[key] as Record<PropertyKey, unknown>,
        current() as Record<PropertyKey, unknown>,
      );
    const read = (key: PropertyKey) => {
      const value = section()[key];
      return isSection(value) ? view([...path, key]) : value;
    };
    return new Proxy(
      {},
      {
        get: (_, key) => read(key),
        has: (_, key) => key in section(),
        ownKeys: () => Reflect.ownKeys(section()),
        getOwnPropertyDescriptor: (_, key) =>
          Object.hasOwn(section(), key) ? { value: read(key), enumerable: true, configurable: true, writable: false } : undefined,
        set: () => false,
        deleteProperty: () => false,
      },
    );
  };
  return view([]) as T;
}
