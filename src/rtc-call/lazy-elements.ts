/**
 * The elements inside `<rtc-call>` that a 1:1 call never shows, each loaded (and defined) the first
 * time its UI is needed: the pre-call check when it is opened, a room's group call when one is on
 * the stage, the invite card when an invite link is open. Until then `<rtc-call>` may already hold
 * the tag (an undefined element shows nothing); it upgrades when its module arrives.
 */
const loaders = {
  'rtc-precall-check': () => import('../components/precall-check/precall-check.js'),
  'rtc-group-call': () => import('../components/group-call/group-call.js'),
  'rtc-invite-card': () => import('../components/invite-card/invite-card.js'),
} as const;

export type LazyElement = keyof typeof loaders;

const loading = new Map<LazyElement, Promise<unknown>>();

/**
 * Loads the module defining `tag`, once per page (a failed download is tried again at the next
 * call); undefined when the element is defined already (by this or by the package's full API).
 */
export function defineLazily(tag: LazyElement): Promise<unknown> | undefined {
  if (customElements.get(tag)) return undefined;
  let load = loading.get(tag);
  if (!load) {
    load = loaders[tag]().catch((error: unknown) => {
      loading.delete(tag);
      throw error;
    });
    loading.set(tag, load);
  }
  return load;
}
