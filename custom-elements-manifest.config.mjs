// Custom Elements Manifest (custom-elements.json) from the elements' JSDoc:
// `npm run analyze`. Lit-aware, so @property/@state decorators become
// attributes and (private) fields.
export default {
  globs: ['src/components/**/*.ts', 'src/rtc-call/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  dev: false,
};
