// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-login`, re-exported by `<rtc-call>`. */
export const LOGIN_PARTS = ['login-form', 'login-title', 'name', 'email', 'password', 'submit', 'mode-switch', 'error'] as const;
