/**
 * The widget's language at run time, through `@lit/localize` in runtime mode: English is built in,
 * every other language is a module of its own (src/generated/locales/, made by
 * `npm run localize:build`), loaded the first time a widget needs it.
 *
 * One language per page: `@lit/localize` keeps one active locale for the whole page, so every
 * widget on a page speaks the same language. Which one is decided from all of them at once
 * (src/core/locale.ts): the `lang` attributes of the connected `<rtc-call>` elements in document
 * order — the first one the widget can speak wins, whatever order they connected in — then
 * `<html lang>`, then the browser's languages. Two widgets with `lang="de"` and `lang="fr"` both
 * speak German when the German one comes first in the document. Each widget's `dir` follows the
 * language actually shown, and its frame carries that language's `lang`, so screen readers
 * pronounce the words shown, not the ones asked for.
 */
import { configureLocalization, type LocaleModule } from '@lit/localize';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { targetLocales } from '../generated/locale-codes.js';
import { chooseLocale, directionOf, SOURCE_LOCALE, type LocaleWish } from '../core/locale.js';
import { setFormatLocale } from '../core/formats.js';

type TargetLocale = (typeof targetLocales)[number];

/** Each language's module, loaded on first use (the bundler makes each its own chunk). */
const loaders: Record<TargetLocale, () => Promise<LocaleModule>> = {
  ar: () => import('../generated/locales/ar.js'),
  de: () => import('../generated/locales/de.js'),
  es: () => import('../generated/locales/es.js'),
  fr: () => import('../generated/locales/fr.js'),
};

let runtime: ReturnType<typeof configureLocalization> | undefined;

/** The page's `@lit/localize` runtime, configured when the first widget connects (it may be configured once only). */
function localization(): ReturnType<typeof configureLocalization> {
  runtime ??= configureLocalization({
    sourceLocale: SOURCE_LOCALE,
    targetLocales,
    loadLocale: (locale) => loaders[locale as TargetLocale](),
  });
  return runtime;
}

/** The connected widgets; the page's language is chosen from all of them. */
const widgets = new Set<LocaleController>();

/** Sorts nodes in document order. */
const documentOrder = (a: Node, b: Node) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);

/** The page's wishes in order: each widget's `lang` in document order, `<html lang>`, the browser's languages. */
function pageWishes(): LocaleWish[] {
  const hosts = [...widgets].map((widget) => widget.host).sort(documentOrder);
  return [...hosts.map((host) => host.getAttribute('lang')), document.documentElement.getAttribute('lang'), navigator.languages];
}

let settled: Promise<void> = Promise.resolve();

/**
 * Chooses the page's language again and loads it; resolves when every widget shows it (or, if its
 * module failed to load, still shows the previous language — the runtime reports that with a
 * `lit-localize-status` event of status `error`). Widgets call it by themselves when a `lang`
 * attribute or the browser's languages change; a page or a test may call it to wait for the result.
 */
export function refreshLocale(): Promise<void> {
  if (widgets.size === 0) return settled;
  const choice = chooseLocale(pageWishes());
  setFormatLocale(choice.formats);
  const { getLocale, setLocale } = localization();
  const follow = () => widgets.forEach((widget) => widget.follow(getLocale()));
  settled = setLocale(choice.language).then(follow, follow);
  return settled;
}

let stopWatchingPage: (() => void) | undefined;

/** Follows `<html lang>` and the browser's languages while any widget is connected. */
function watchPage(): void {
  if (stopWatchingPage) return;
  const onChange = () => void refreshLocale();
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  window.addEventListener('languagechange', onChange);
  stopWatchingPage = () => {
    observer.disconnect();
    window.removeEventListener('languagechange', onChange);
    stopWatchingPage = undefined;
  };
}

/**
 * Gives `<rtc-call>` the page's language: follows its `lang` attribute, sets its `dir` from the
 * language shown (`rtl` for Arabic) and re-renders it when the language changes. The elements
 * inside re-render by themselves (`updateWhenLocaleChanges` in SessionConsumer).
 */
export class LocaleController implements ReactiveController {
  /** The language the widget shows now (a catalogue's language, e.g. `de`). */
  locale: string = SOURCE_LOCALE;
  private observer?: MutationObserver;

  constructor(readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  hostConnected(): void {
    widgets.add(this);
    this.observer = new MutationObserver(() => void refreshLocale());
    this.observer.observe(this.host, { attributes: true, attributeFilter: ['lang'] });
    watchPage();
    // A widget added to a page that already speaks another language shows it from its first render.
    this.follow(localization().getLocale());
    void refreshLocale();
  }

  hostDisconnected(): void {
    widgets.delete(this);
    this.observer?.disconnect();
    if (widgets.size === 0) stopWatchingPage?.();
    else void refreshLocale();
  }

  /** Shows `locale`: the text direction of the host, and a new render. */
  follow(locale: string): void {
    this.locale = locale;
    this.host.setAttribute('dir', directionOf(locale));
    this.host.requestUpdate();
  }
}
